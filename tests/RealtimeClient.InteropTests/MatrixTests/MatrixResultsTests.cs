using RealtimeClient.InteropTests.Matrix;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.MatrixTests;

/// <summary>What the matrix says about a cell: the recorded outcome, else n/a with the peer's reason, else not run.</summary>
public sealed class MatrixResultsTests
{
    private static readonly PeerSummary WithTls = new("tls-peer", "a 1.0", new Dictionary<PeerCapability, string>());
    private static readonly PeerSummary WithoutTls = new("plain-peer", "b 2.0", new Dictionary<PeerCapability, string> { [PeerCapability.Tls] = "no TLS here" });

    [Fact]
    public void A_cell_is_its_outcome_or_na_with_the_peers_reason_or_not_run()
    {
        var results = new MatrixResults();
        results.Record(Method(nameof(ExampleGroup.Connects)), "Example.Connects", WithTls.Name, passed: true);
        results.Record(Method(nameof(ExampleGroup.Refuses)), "Example.Refuses", WithTls.Name, passed: false);

        var table = results.Render([typeof(ExampleGroup)], TimeSpan.FromSeconds(3), [WithTls, WithoutTls]);

        Assert.Contains("| `tls-peer` | a 1.0 |", table);
        Assert.Contains("| `plain-peer` | b 2.0 |", table);
        Assert.Contains("| scenario | `plain-peer` | `tls-peer` |", table); // peers other than the four known ones: by name
        Assert.Contains("| **Example** | | |", table);
        Assert.Contains("| Connects | n/a: no TLS here | pass |", table);
        Assert.Contains("| Refuses | n/a: no TLS here | **fail** |", table);
        Assert.Contains("| Pins | n/a: no TLS here | not run |", table);
        Assert.Contains("| Closes | n/a: no TLS here | not run |", table);
        Assert.EndsWith($"matrix: 1 pass, 1 fail, 4 n/a, 2 not run{Environment.NewLine}", table);
    }

    [Fact]
    public void A_theory_has_a_row_per_data_row_and_one_failure_fails_its_cell()
    {
        var results = new MatrixResults();
        var closes = Method(nameof(ExampleGroup.Closes));
        results.Record(closes, "Example.Closes(code: 1000)", WithTls.Name, passed: true);
        results.Record(closes, "Example.Closes(code: 4001)", WithTls.Name, passed: true);
        results.Record(closes, "Example.Closes(code: 4001)", WithTls.Name, passed: false);

        var table = results.Render([typeof(ExampleGroup)], TimeSpan.Zero, [WithTls]);

        Assert.Contains("| Closes (code: 1000) | pass |", table);
        Assert.Contains("| Closes (code: 4001) | **fail** |", table);
    }

    [Fact]
    public void A_test_outside_every_scenario_group_is_not_in_the_matrix()
    {
        var results = new MatrixResults();
        results.Record(typeof(MatrixResultsTests).GetMethod(nameof(A_test_outside_every_scenario_group_is_not_in_the_matrix))!, "self-test", WithTls.Name, passed: false);

        Assert.EndsWith($"matrix: 0 pass, 0 fail, 0 n/a, 0 not run{Environment.NewLine}", results.Render([], TimeSpan.Zero, [WithTls]));
    }

    private static System.Reflection.MethodInfo Method(string name) => typeof(ExampleGroup).GetMethod(name)!;

    /// <summary>A group of the matrix's shape (abstract, so xunit never runs it; nested, so the real matrix never lists it).</summary>
    [ScenarioGroup("Example", 1, Requires = [PeerCapability.Tls])]
    public abstract class ExampleGroup
    {
        [Fact]
        public void Connects()
        {
        }

        [Fact]
        public void Refuses()
        {
        }

        [Fact]
        public void Pins()
        {
        }

        [Theory]
        [InlineData(1000)]
        public void Closes(int code) => Assert.True(code > 0);
    }
}
