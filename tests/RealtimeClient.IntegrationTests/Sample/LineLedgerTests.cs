using ConsoleChat.Client;
using ConsoleChat.View;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>Issue 16: what the chat says about each line, and in which order (no sockets).</summary>
public sealed class LineLedgerTests
{
    private readonly List<string> _shown = [];

    private LineLedger NewLedger() => new(line => _shown.Add(line.Plain));

    [Fact]
    public void A_line_typed_while_connected_is_not_shown_as_pending_and_gets_no_tick()
    {
        var lines = NewLedger();
        var number = lines.Add("hello", notConnected: null);
        lines.Resolve(number, failure: null);

        Assert.Empty(_shown);
        Assert.Empty(lines.Unresolved);
    }

    [Fact]
    public void Ticks_come_in_the_order_of_the_lines_even_when_the_outcomes_do_not()
    {
        var lines = NewLedger();
        var three = lines.Add("a", "offline");
        var four = lines.Add("b", "offline");
        var five = lines.Add("c", "offline");

        lines.Resolve(five, null);
        lines.Resolve(four, null);
        Assert.Equal(3, _shown.Count); // only the three pending lines so far: 4 and 5 wait for 3
        lines.Resolve(three, null);

        Assert.Equal(["… line 1 pending (offline): a", "… line 2 pending (offline): b", "… line 3 pending (offline): c",
            "✓ line 1 delivered", "✓ line 2 delivered", "✓ line 3 delivered"], _shown);
    }

    [Fact]
    public void Lines_waiting_for_their_ack_become_pending_when_the_connection_drops_and_say_so_once()
    {
        var lines = NewLedger();
        var one = lines.Add("sent while connected", null);
        lines.WentOffline();
        lines.WentOffline();
        lines.Resolve(one, null);

        Assert.Equal(["… line 1 pending (offline): sent while connected", "✓ line 1 delivered"], _shown);
    }

    [Fact]
    public async Task Giving_up_names_every_unresolved_line_once_and_ignores_later_outcomes()
    {
        var lines = NewLedger();
        var one = lines.Add("x", "offline");
        lines.Add("y", "offline");
        var all = lines.WhenAllResolvedAsync();
        Assert.False(all.IsCompleted);

        lines.GiveUp("no acknowledgement within 2 s");
        lines.Resolve(one, "the connection closed");

        await all;
        Assert.Equal(["✗ line 1 not delivered (no acknowledgement within 2 s): x", "✗ line 2 not delivered (no acknowledgement within 2 s): y"], _shown.Skip(2));
        Assert.Equal(2, lines.Failed.Count);
    }
}
