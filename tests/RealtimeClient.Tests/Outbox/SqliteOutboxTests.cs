using RealtimeClient.Outbox;
using RealtimeClient.Outbox.Sqlite;
using static RealtimeClient.Tests.Outbox.Frames;

namespace RealtimeClient.Tests.Outbox;

/// <summary>The connection with the real SQLite store: what one connection accepted, the next one on the same file sends.</summary>
public sealed class SqliteOutboxTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "outbox-unit-" + Guid.NewGuid().ToString("N"));

    public SqliteOutboxTests() => Directory.CreateDirectory(_folder);

    private string File => Path.Combine(_folder, "outbox.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task What_a_connection_accepted_into_the_file_and_never_saw_acknowledged_the_next_connection_sends_first_and_reports()
    {
        string[] ids;
        byte[][] firstBytes;
        await using (var h = new Harness(o => o with { Outbox = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = File }) }))
        {
            var server = await h.StartAndAcceptAsync();
            var deliveries = new List<global::RealtimeClient.Delivery>();
            foreach (var text in new[] { "first", "second", "third" })
            {
                deliveries.Add(await h.Connection.EnqueueAsync("line", new Line(text), SendOptions.Durable));
            }

            ids = [.. deliveries.Select(d => d.MessageId!)];
            var frames = new List<byte[]>();
            for (var i = 0; i < 3; i++)
            {
                frames.Add((await server.ReceiveAsync().Safe()).Bytes);
            }

            firstBytes = [.. frames];
            await server.AckAsync(ids[0]);
            await deliveries[0].Outcome.Safe();
        } // disposed with two messages unacknowledged: the app went away

        await using (var h = new Harness(o => o with { Outbox = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = File }) }))
        {
            using var recovered = new Recorder<DeliveryReport>(h.Connection.RecoveredDeliveries);
            var server = await h.StartAndAcceptAsync();
            await h.Connection.SendTextAsync("marker").Safe();

            var second = await server.ReceiveAsync().Safe();
            var third = await server.ReceiveAsync().Safe();
            Assert.Equal("marker", (await server.ReceiveAsync().Safe()).Text);
            Assert.Equal(firstBytes[1], second.Bytes);
            Assert.Equal(firstBytes[2], third.Bytes);

            await server.AckAsync(ids[1]);
            await server.RefuseAsync(ids[2], "too-late", "expired on the server");
            var reports = new[] { await recovered.SkipToAsync(_ => true), await recovered.SkipToAsync(_ => true) };
            var delivered = reports.Single(r => r.MessageId == ids[1]);
            var refused = reports.Single(r => r.MessageId == ids[2]);
            Assert.True(delivered.Delivered);
            Assert.Equal("second", TextOf(delivered.Entry));
            Assert.Equal(DeliveryFailureReason.Rejected, refused.Failure?.Reason);
            Assert.Equal("third", TextOf(refused.Entry));
        }

        await using var reopened = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = File });
        Assert.Empty(await reopened.OpenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_file_that_is_not_an_outbox_closes_the_start_with_OutboxFailed_and_the_stores_reason()
    {
        await System.IO.File.WriteAllTextAsync(File, "this is not a SQLite database, and it is longer than a header would be.........");
        await using var h = new Harness(o => o with { Outbox = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = File }) });

        var start = await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.StartAsync().Safe());

        Assert.Equal(CloseReason.OutboxFailed, start.Reason);
        var cause = Assert.IsType<OutboxStoreException>(start.Disconnect?.Exception);
        Assert.Equal(OutboxFailure.Corrupt, cause.Reason);
        Assert.Empty(h.Server.Requests);
    }
}
