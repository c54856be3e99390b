using System.Text.Json;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.SelfTests;

/// <summary>The ws that runs is the one the committed lockfile pins (npm ci), on both Node peers.</summary>
public static class LockedWsVersion
{
    public static string Read()
    {
        using var lockFile = JsonDocument.Parse(File.ReadAllText(Path.Combine(InteropPaths.NodeDirectory, "package-lock.json")));
        return lockFile.RootElement.GetProperty("packages").GetProperty("node_modules/ws").GetProperty("version").GetString()!;
    }
}

[Collection(NodeWsPeer.Collection)]
public sealed class NodeWsVersionTests(NodeWsPeer peer)
{
    [Fact]
    public void The_ws_version_running_is_the_one_package_lock_json_pins() =>
        Assert.Equal(LockedWsVersion.Read(), peer.Versions["ws"]);
}

[Collection(NginxProxyPeer.Collection)]
public sealed class NginxNodeVersionTests(NginxProxyPeer peer)
{
    [Fact]
    public void The_versions_name_nginx_and_the_locked_ws_behind_it()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+$", peer.Versions["nginx"]);
        Assert.Equal(LockedWsVersion.Read(), peer.Versions["ws"]);
    }
}
