namespace RealtimeClient.Tests.Core;

/// <summary>Many threads sending at once.</summary>
public class ConcurrencyTests
{
    [Fact]
    public async Task Eight_threads_sending_10000_messages_are_all_received_intact_in_per_thread_order()
    {
        const int threads = 8;
        const int perThread = 1250;
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        using var go = new Barrier(threads);

        var senders = new Task<Task[]>[threads];
        for (var t = 0; t < threads; t++)
        {
            var thread = t;
            senders[t] = Task.Factory.StartNew(
                () =>
                {
                    var sends = new Task[perThread];
                    go.SignalAndWait();
                    for (var i = 0; i < perThread; i++)
                    {
                        sends[i] = h.Connection.SendTextAsync($"t{thread}:{i}").AsTask();
                    }

                    return sends;
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        var all = (await Task.WhenAll(senders).Safe()).SelectMany(s => s).ToArray();
        await Task.WhenAll(all).Safe();
        Assert.All(all, s => Assert.True(s.IsCompletedSuccessfully));

        await server.WaitForReceivedCountAsync(threads * perThread).Safe();
        var received = server.Received;
        Assert.Equal(threads * perThread, received.Count);
        var next = new int[threads];
        foreach (var frame in received)
        {
            var text = frame.Text!;
            Assert.StartsWith("t", text);
            var colon = text.IndexOf(':');
            var thread = int.Parse(text[1..colon]);
            var seq = int.Parse(text[(colon + 1)..]);
            Assert.Equal(next[thread], seq); // per-thread order kept, nothing lost or duplicated
            next[thread]++;
        }

        Assert.All(next, n => Assert.Equal(perThread, n));
        Assert.Equal(0, h.Connection.PendingCount);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }
}
