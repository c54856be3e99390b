using System.Diagnostics;
using System.Globalization;
using LoopbackHarness.Clients;

namespace LoopbackHarness;

/// <summary>What every measurement needs: sizes, the server, the sides, where figures go, and the run's token.</summary>
internal sealed class BenchContext
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public required HarnessOptions Options { get; init; }

    /// <summary>The running echo server (replaced by the reconnect run).</summary>
    public required EchoServerProcess Server { get; set; }

    public required IReadOnlyList<ClientSide> Sides { get; init; }

    /// <summary>The figures of the current run (a new one for each run of <c>--repeat</c>).</summary>
    public required Results Results { get; set; }

    /// <summary>Which run of <c>--repeat</c> this is, from 0.</summary>
    public int Run { get; set; }

    /// <summary>
    /// The sides in the order the one-side-at-a-time steps (memory, streaming) visit them in this run: rotated by one
    /// each run, so no side is always first (fresh heap) or last.
    /// </summary>
    public IEnumerable<ClientSide> SidesInTurn()
    {
        for (int k = 0; k < Sides.Count; k++)
        {
            yield return Sides[(Run + k) % Sides.Count];
        }
    }

    public required Metrics Metrics { get; init; }

    public required CancellationToken Cancellation { get; init; }

    public void Progress(string message)
        => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {message}"));

    /// <summary>Creates and connects one client of <paramref name="side"/> with its own counting sink.</summary>
    public async Task<Session> OpenAsync(ClientSide side, ReceiveMode mode)
    {
        var sink = new CountingSink(Cancellation);
        var client = side.Create(new ClientRequest(Server.Uri, mode, sink, Options.ReconnectDelay));
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            await client.ConnectAsync(timeout.Token);
            return new Session(side, client, sink);
        }
        catch
        {
            await client.DisposeAsync();
            sink.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="rounds"/> rounds, each visiting every session once, rotating who goes first.</summary>
    public static async Task InterleaveAsync<T>(IReadOnlyList<T> items, int rounds, Func<T, int, Task> round)
    {
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < items.Count; k++)
            {
                await round(items[(r + k) % items.Count], r);
            }
        }
    }
}

/// <summary>One connected client and its sink.</summary>
internal sealed class Session(ClientSide side, IClientUnderTest client, CountingSink sink) : IAsyncDisposable
{
    public ClientSide Side { get; } = side;

    public IClientUnderTest Client { get; private set; } = client;

    public CountingSink Sink { get; } = sink;

    /// <summary>Swaps in a new client on the same sink (the bare side's hand-made reconnect).</summary>
    public async Task ReplaceClientAsync(IClientUnderTest client)
    {
        await Client.DisposeAsync();
        Client = client;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        Sink.Dispose();
    }
}

/// <summary>Disposes a list of sessions.</summary>
internal static class SessionList
{
    public static async Task DisposeAllAsync(List<Session> sessions)
    {
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        sessions.Clear();
    }
}
