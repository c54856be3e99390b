using Xunit.Abstractions;

namespace RealtimeClient.FaultTests.Chaos;

/// <summary>
/// The chaos suite's promises (issue 11): through a seeded schedule of cuts, resets, freezes, slow links, refused
/// connections, server restarts, refused handshakes (503, 401) and server closes (1001, 1011, 1012), no acknowledged
/// message is lost, none is duplicated in the de-duplicated stream, none arrives out of order; no at-most-once message
/// arrives twice; every send completes; StopAsync and DisposeAsync never throw and never hang. Each failure message
/// carries the figure line, the seed and the command that replays the run.
/// </summary>
public sealed class ChaosSuiteTests(ChaosFixture fixture, ITestOutputHelper output) : IClassFixture<ChaosFixture>
{
    private ChaosReport Report
    {
        get
        {
            output.WriteLine(fixture.Report.Details);
            return fixture.Report;
        }
    }

    [Fact]
    public void Acknowledged_messages_are_never_lost()
    {
        var report = Report;
        Assert.True(report.Delivery.Figures.AckLost == 0, Because(report, $"{report.Delivery.Figures.AckLost} acknowledged messages never reached the server"));
    }

    [Fact]
    public void Every_acknowledged_send_completes_with_its_acknowledgement()
    {
        var report = Report;
        Assert.True(report.Delivery.Figures.AckFailed == 0, Because(report, $"{report.Delivery.Figures.AckFailed} acknowledged sends failed although the connection came back every time"));
    }

    [Fact]
    public void Acknowledged_messages_are_never_duplicated_after_de_duplication()
    {
        var report = Report;
        Assert.True(report.Delivery.Figures.AckDuplicated == 0, Because(report, $"{report.Delivery.Figures.AckDuplicated} acknowledged messages arrived under more than one id"));
    }

    [Fact]
    public void Acknowledged_messages_first_arrive_in_the_order_they_were_sent()
    {
        var report = Report;
        Assert.True(report.Delivery.Figures.AckOutOfOrder == 0, Because(report, $"{report.Delivery.Figures.AckOutOfOrder} acknowledged messages first arrived after a later one"));
    }

    [Fact]
    public void At_most_once_messages_are_never_duplicated()
    {
        var report = Report;
        Assert.True(report.Delivery.Figures.AtMostOnceDuplicated == 0, Because(report, $"{report.Delivery.Figures.AtMostOnceDuplicated} at-most-once messages arrived more than once"));
    }

    [Fact]
    public void Every_send_completes()
    {
        var report = Report;
        Assert.True(report.SendsNeverCompleted == 0, Because(report, $"{report.SendsNeverCompleted} sends never completed (delivery run {report.Delivery.Figures.NeverCompleted}, races {report.RaceSendsNeverCompleted})"));
    }

    [Fact]
    public void Stop_and_dispose_never_throw()
    {
        var report = Report;
        Assert.True(report.Threw == 0, Because(report, $"{report.Threw} stop/dispose calls threw"));
    }

    [Fact]
    public void Stop_and_dispose_never_hang()
    {
        var report = Report;
        Assert.True(report.Hung == 0, Because(report, $"{report.Hung} stop/dispose calls did not return within {StopDisposeRaces.HangBound.TotalSeconds:0} s"));
    }

    [Fact]
    public void The_schedule_injected_every_kind_of_fault()
    {
        var report = Report;
        var missing = Enum.GetValues<FaultKind>().Where(kind => !report.Delivery.Faults.ByKind.ContainsKey(kind)).ToList();
        Assert.True(missing.Count == 0, Because(report, $"the schedule did not inject {string.Join(", ", missing)}"));
    }

    private static string Because(ChaosReport report, string what) => $"{what}.{Environment.NewLine}{report.Details}";
}
