using System.Security.Cryptography;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>
/// What each peer needs on the machine. When something is missing, <c>tests/interop/install.sh</c> runs (once per test
/// run, whichever peer asks first) and the peer checks again; what is still missing fails the peer's tests with a message
/// that names it. Never a silent skip.
/// </summary>
internal static class PeerPrerequisites
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly Lazy<Task<string>> Install = new(RunInstallScriptAsync);

    public static async Task EnsureAsync(string peer, Func<Task<IReadOnlyList<string>>> findMissing)
    {
        if ((await findMissing()).Count == 0)
        {
            return;
        }

        var installOutput = await Install.Value;
        var missing = await findMissing();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The {peer} peer cannot run: {string.Join("; ", missing)}. tests/interop/install.sh could not install it:"
                + $"{Environment.NewLine}{installOutput}");
        }
    }

    /// <summary>Node.js on PATH and the Node peer's packages installed from the committed lockfile.</summary>
    public static Task<IReadOnlyList<string>> MissingForNodeAsync() => Task.FromResult<IReadOnlyList<string>>(MissingForNode());

    private static List<string> MissingForNode()
    {
        var missing = new List<string>();
        if (InteropPaths.FindOnPath("node") is null)
        {
            missing.Add("node is not on PATH (Debian package nodejs)");
        }

        var stamp = Path.Combine(InteropPaths.NodeDirectory, "node_modules", ".installed-from-lock.sha256");
        var lockHash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(InteropPaths.NodeDirectory, "package-lock.json"))));
        if (!File.Exists(stamp) || File.ReadAllText(stamp).Trim() != lockHash)
        {
            missing.Add("tests/interop/node/node_modules is missing or was not installed from package-lock.json (npm ci)");
        }

        return missing;
    }

    /// <summary>Debian's python3 with Debian's python3-websockets.</summary>
    public static async Task<IReadOnlyList<string>> MissingForPythonAsync()
    {
        if (!File.Exists(PythonPeer.Interpreter))
        {
            return [$"{PythonPeer.Interpreter} is missing (Debian package python3)"];
        }

        var (exitCode, _) = await ShortCommand.RunAsync(PythonPeer.Interpreter, ["-c", "import websockets"], TimeSpan.FromSeconds(20));
        return exitCode == 0 ? [] : [$"{PythonPeer.Interpreter} cannot import websockets (Debian package python3-websockets)"];
    }

    /// <summary>Debian's nginx and openssl (the Node peer behind nginx has its own needs).</summary>
    public static Task<IReadOnlyList<string>> MissingForNginxAsync()
    {
        var missing = new List<string>();
        if (InteropPaths.FindOnPath("nginx") is null)
        {
            missing.Add("nginx is not installed (Debian package nginx)");
        }

        if (InteropPaths.FindOnPath("openssl") is null)
        {
            missing.Add("openssl is not installed (Debian package openssl)");
        }

        return Task.FromResult<IReadOnlyList<string>>([.. missing, .. MissingForNode()]);
    }

    private static async Task<string> RunInstallScriptAsync()
    {
        var (exitCode, output) = await ShortCommand.RunAsync("bash", [InteropPaths.InstallScript], InstallTimeout);
        return $"install.sh exited with code {exitCode}{Environment.NewLine}{output}";
    }
}
