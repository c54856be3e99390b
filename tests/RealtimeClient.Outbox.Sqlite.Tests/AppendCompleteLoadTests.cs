namespace RealtimeClient.Outbox.Sqlite.Tests;

public sealed class AppendCompleteLoadTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_new_store_is_empty_and_is_one_file_once_closed()
    {
        await using (var store = _folder.NewStore())
        {
            Assert.Empty(await store.OpenAsync(CancellationToken.None));
            Assert.Equal(_folder.StoreFile, store.FilePath);
            Assert.DoesNotContain("outbox.db-shm", _folder.FileNames()); // the exclusive lock keeps SQLite's index in memory
        }

        Assert.Equal(["outbox.db"], _folder.FileNames());
    }

    [Fact]
    public async Task Pending_entries_come_back_after_a_reopen_in_append_order_with_their_ids_kinds_payloads_and_times()
    {
        var appended = new[] { Entries.Text("c-3"), Entries.Binary("a-1", 300, 0xAB), Entries.Text("b-2", "héllo ✓"), Entries.Binary("z-0", 0, 0) };
        await using (var store = _folder.NewStore())
        {
            await store.OpenAsync(CancellationToken.None);
            foreach (var entry in appended)
            {
                await store.AppendAsync(entry, CancellationToken.None);
            }
        }

        var loaded = await Entries.ReopenAsync(_folder);

        Assert.Equal(Entries.Ids(appended), Entries.Ids(loaded));
        for (var i = 0; i < appended.Length; i++)
        {
            Assert.Equal(appended[i].Kind, loaded[i].Kind);
            Assert.Equal(appended[i].Payload.ToArray(), loaded[i].Payload.ToArray());
            Assert.Equal(appended[i].CreatedAt, loaded[i].CreatedAt);
            Assert.Equal(appended[i].CreatedAt.Offset, loaded[i].CreatedAt.Offset);
        }
    }

    [Fact]
    public async Task Completed_entries_are_not_loaded_again_whatever_their_outcome()
    {
        await using (var store = _folder.NewStore())
        {
            await store.OpenAsync(CancellationToken.None);
            foreach (var id in new[] { "m1", "m2", "m3", "m4" })
            {
                await store.AppendAsync(Entries.Text(id), CancellationToken.None);
            }

            await store.CompleteAsync("m1", OutboxOutcome.Acknowledged, CancellationToken.None);
            await store.CompleteAsync("m3", OutboxOutcome.Failed, CancellationToken.None);
            await store.CompleteAsync("never-appended", OutboxOutcome.Acknowledged, CancellationToken.None);
            await store.CompleteAsync("m1", OutboxOutcome.Acknowledged, CancellationToken.None);
        }

        Assert.Equal(["m2", "m4"], Entries.Ids(await Entries.ReopenAsync(_folder)));
    }

    [Fact]
    public async Task A_store_reopens_after_dispose_again_and_again_keeping_what_is_pending()
    {
        for (var run = 0; run < 3; run++)
        {
            await using var store = _folder.NewStore();
            var pending = await store.OpenAsync(CancellationToken.None);
            Assert.Equal(Enumerable.Range(0, run).Select(r => $"run-{r}").ToArray(), Entries.Ids(pending));
            await store.AppendAsync(Entries.Text($"run-{run}"), CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_id_can_be_appended_again_after_it_completed()
    {
        await using (var store = _folder.NewStore())
        {
            await store.OpenAsync(CancellationToken.None);
            await store.AppendAsync(Entries.Text("m1", "first"), CancellationToken.None);
            await store.CompleteAsync("m1", OutboxOutcome.Acknowledged, CancellationToken.None);
            await store.AppendAsync(Entries.Text("m1", "second"), CancellationToken.None);
        }

        var loaded = Assert.Single(await Entries.ReopenAsync(_folder));
        Assert.Equal("second"u8.ToArray(), loaded.Payload.ToArray());
    }

    [Fact]
    public async Task Appending_the_same_message_twice_keeps_one_but_a_different_message_under_a_pending_id_is_refused()
    {
        await using (var store = _folder.NewStore())
        {
            await store.OpenAsync(CancellationToken.None);
            await store.AppendAsync(Entries.Text("m1", "original"), CancellationToken.None);
            await store.AppendAsync(Entries.Text("m1", "original"), CancellationToken.None);

            var refused = await Assert.ThrowsAsync<ArgumentException>(
                async () => await store.AppendAsync(Entries.Text("m1", "something else"), CancellationToken.None));
            Assert.Contains("m1", refused.Message, StringComparison.Ordinal);

            await store.AppendAsync(Entries.Text("m2"), CancellationToken.None); // the store goes on
        }

        var loaded = await Entries.ReopenAsync(_folder);
        Assert.Equal(["m1", "m2"], Entries.Ids(loaded));
        Assert.Equal("original"u8.ToArray(), loaded[0].Payload.ToArray());
    }

    [Fact]
    public async Task An_append_whose_token_is_already_cancelled_stores_nothing()
    {
        await using (var store = _folder.NewStore())
        {
            await store.OpenAsync(CancellationToken.None);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                async () => await store.AppendAsync(Entries.Text("m1"), new CancellationToken(canceled: true)));
        }

        Assert.Empty(await Entries.ReopenAsync(_folder));
    }

    [Fact]
    public async Task A_cancelled_open_leaves_the_file_closed_and_can_be_tried_again()
    {
        await using var store = _folder.NewStore();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await store.OpenAsync(new CancellationToken(canceled: true)));
        await using (var other = _folder.NewStore())
        {
            Assert.Empty(await other.OpenAsync(CancellationToken.None)); // not held by the cancelled open
        }

        Assert.Empty(await store.OpenAsync(CancellationToken.None));
        await store.AppendAsync(Entries.Text("m1"), CancellationToken.None);
    }

    [Fact]
    public async Task A_store_that_is_not_open_or_already_disposed_fails_with_Closed()
    {
        var store = _folder.NewStore();
        var notOpen = await Assert.ThrowsAsync<OutboxStoreException>(
            async () => await store.AppendAsync(Entries.Text("m1"), CancellationToken.None));
        Assert.Equal(OutboxFailure.Closed, notOpen.Reason);
        Assert.Contains("not open", notOpen.Message, StringComparison.Ordinal);

        await store.OpenAsync(CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.OpenAsync(CancellationToken.None));
        await store.DisposeAsync();
        await store.DisposeAsync();

        var append = await Assert.ThrowsAsync<OutboxStoreException>(
            async () => await store.AppendAsync(Entries.Text("m1"), CancellationToken.None));
        var complete = await Assert.ThrowsAsync<OutboxStoreException>(
            async () => await store.CompleteAsync("m1", OutboxOutcome.Acknowledged, CancellationToken.None));
        var open = await Assert.ThrowsAsync<OutboxStoreException>(async () => await store.OpenAsync(CancellationToken.None));
        Assert.All(new[] { append, complete, open }, e => Assert.Equal(OutboxFailure.Closed, e.Reason));
    }

    [Fact]
    public async Task A_missing_folder_is_created_and_a_path_under_a_file_fails_with_IoError()
    {
        var nested = Path.Combine(_folder.Path, "a", "b", "outbox.db");
        await using (var store = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = nested }))
        {
            Assert.Empty(await store.OpenAsync(CancellationToken.None));
        }

        Assert.True(File.Exists(nested));

        var blocker = Path.Combine(_folder.Path, "a-file");
        await File.WriteAllTextAsync(blocker, "not a folder");
        await using var underAFile = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = Path.Combine(blocker, "outbox.db") });
        var failure = await Assert.ThrowsAsync<OutboxStoreException>(async () => await underAFile.OpenAsync(CancellationToken.None));
        Assert.Equal(OutboxFailure.IoError, failure.Reason);
        Assert.NotNull(failure.InnerException);
    }

    [Fact]
    public void Options_are_checked_when_the_store_is_created()
    {
        Assert.Throws<ArgumentException>(() => new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = " " }));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = "x.db", BusyTimeout = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = "x.db", MaxSizeBytes = 0 }));
    }

    [Fact]
    public void The_defaults_are_durable_across_a_power_loss_and_fail_on_a_corrupt_file()
    {
        var options = new SqliteOutboxOptions { FilePath = "x.db" };
        Assert.Equal(SqliteSynchronous.Full, options.Synchronous);
        Assert.Equal(CorruptStoreAction.Fail, options.OnCorrupt);
        Assert.Equal(TimeSpan.FromSeconds(1), options.BusyTimeout);
        Assert.Null(options.MaxSizeBytes);
    }
}
