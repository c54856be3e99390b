using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.PeersTests;

/// <summary>A peer that cannot be installed fails with what is missing; it is never skipped.</summary>
public sealed class PeerPrerequisitesTests
{
    [Fact]
    public async Task What_is_still_missing_after_the_install_script_ran_fails_the_peer_with_its_name_and_the_scripts_output()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PeerPrerequisites.EnsureAsync(
            "imaginary",
            () => Task.FromResult<IReadOnlyList<string>>(["frobnicator is not installed (Debian package frobnicator)"])));

        Assert.StartsWith("The imaginary peer cannot run: frobnicator is not installed (Debian package frobnicator).", error.Message);
        Assert.Contains("install.sh exited with code", error.Message);
    }

    [Fact]
    public async Task What_the_install_script_brought_lets_the_peer_run()
    {
        var checks = 0;
        await PeerPrerequisites.EnsureAsync(
            "installable",
            () => Task.FromResult<IReadOnlyList<string>>(++checks == 1 ? ["something the script installs"] : []));

        Assert.Equal(2, checks);
    }

    [Fact]
    public async Task Nothing_missing_means_no_second_check()
    {
        var checks = 0;
        await PeerPrerequisites.EnsureAsync("complete", () =>
        {
            checks++;
            return Task.FromResult<IReadOnlyList<string>>([]);
        });

        Assert.Equal(1, checks);
    }
}
