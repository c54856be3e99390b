using System.Reflection;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>Where the peers live: <c>tests/interop</c> of the checkout these tests were built from.</summary>
internal static class InteropPaths
{
    public static string Root { get; } = typeof(InteropPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "InteropDirectory").Value!;

    public static string InstallScript => Path.Combine(Root, "install.sh");

    public static string NodeDirectory => Path.Combine(Root, "node");

    public static string PythonServer => Path.Combine(Root, "python", "server.py");

    public static string NginxDirectory => Path.Combine(Root, "nginx");

    /// <summary>Copied next to the tests by the project reference.</summary>
    public static string KestrelPeerDll => Path.Combine(AppContext.BaseDirectory, "KestrelPeer.dll");

    /// <summary>The full path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? FindOnPath(string program)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return directories.Append("/usr/sbin").Append("/usr/bin")
            .Select(d => Path.Combine(d, program))
            .FirstOrDefault(File.Exists);
    }
}
