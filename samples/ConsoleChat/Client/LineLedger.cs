using ConsoleChat.View;

namespace ConsoleChat.Client;

/// <summary>
/// Every line typed and what became of it. Outcomes are shown in the order of the lines (an outcome that arrives early
/// waits for the lines before it), so "✓ line 4 delivered" never comes before "✓ line 3 delivered". A line is shown as
/// "pending (offline)" only while the chat is offline: when typed offline, or when the connection drops before its ack; with
/// an outbox, a line typed offline is shown "saved (offline)" once it is in the file.
/// </summary>
internal sealed class LineLedger(Action<ChatLine> show)
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<int, Entry> _unannounced = [];
    private readonly List<Entry> _undelivered = [];
    private TaskCompletionSource _allResolved = Resolved();
    private int _last;
    private int _unresolved;

    /// <summary>Lines typed and not yet delivered or failed, oldest first.</summary>
    public IReadOnlyList<(int Number, string Text)> Unresolved
    {
        get
        {
            lock (_gate)
            {
                return [.. _unannounced.Values.Where(e => !e.Resolved).Select(e => (e.Number, e.Text))];
            }
        }
    }

    /// <summary>Lines that failed, oldest first.</summary>
    public IReadOnlyList<(int Number, string Text, string Why)> Failed
    {
        get
        {
            lock (_gate)
            {
                return [.. _undelivered.Select(e => (e.Number, e.Text, e.Failure!))];
            }
        }
    }

    /// <summary>
    /// Records a new line; when the chat is not connected (<paramref name="notConnected"/> says how: "offline",
    /// "connecting"), shows it as pending. Returns its number.
    /// </summary>
    public int Add(string text, string? notConnected)
    {
        lock (_gate)
        {
            var entry = new Entry(++_last, text);
            _unannounced.Add(entry.Number, entry);
            if (_unresolved++ == 0)
            {
                _allResolved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            if (notConnected is not null)
            {
                ShowPending(entry, notConnected);
            }

            return entry.Number;
        }
    }

    /// <summary>
    /// Line <paramref name="number"/>, typed while not connected (<paramref name="notConnected"/> says how), is in the
    /// outbox file now: shows it as saved, once (it survives a crash of the chat from here on).
    /// </summary>
    public void Saved(int number, string notConnected)
    {
        lock (_gate)
        {
            if (_unannounced.TryGetValue(number, out var entry) && !entry.Resolved && !entry.ShownPending)
            {
                entry.ShownPending = true;
                show(new ChatLine(LineKind.Pending, $"… line {entry.Number} saved ({notConnected}): {entry.Text}"));
            }
        }
    }

    /// <summary>The connection dropped: every line still waiting is now pending (offline), and says so once.</summary>
    public void WentOffline()
    {
        lock (_gate)
        {
            foreach (var entry in _unannounced.Values)
            {
                if (!entry.Resolved && !entry.ShownPending)
                {
                    ShowPending(entry, "offline");
                }
            }
        }
    }

    /// <summary>Line <paramref name="number"/> was delivered (<paramref name="failure"/> null) or failed (why).</summary>
    public void Resolve(int number, string? failure)
    {
        lock (_gate)
        {
            if (!_unannounced.TryGetValue(number, out var entry) || entry.Resolved)
            {
                return;
            }

            entry.Resolved = true;
            entry.Failure = failure;
            if (failure is not null)
            {
                _undelivered.Add(entry);
            }

            if (--_unresolved == 0)
            {
                _allResolved.TrySetResult();
            }

            // Announce from the oldest line on, as long as the oldest is resolved.
            while (_unannounced.Count > 0 && _unannounced.First().Value is { Resolved: true } first)
            {
                _unannounced.Remove(first.Number);
                if (first.Failure is { } why)
                {
                    show(new ChatLine(LineKind.Failed, $"✗ line {first.Number} not delivered ({why}): {first.Text}"));
                }
                else if (first.ShownPending)
                {
                    show(new ChatLine(LineKind.Delivered, $"✓ line {first.Number} delivered"));
                }
            }
        }
    }

    /// <summary>
    /// The chat is leaving: every line still waiting fails with <paramref name="why"/> (and is named, in order). An outcome
    /// that arrives later for one of them is ignored.
    /// </summary>
    public void GiveUp(string why)
    {
        lock (_gate)
        {
            foreach (var (number, _) in Unresolved)
            {
                Resolve(number, why);
            }
        }
    }

    /// <summary>Completes when no line is waiting for its outcome.</summary>
    public Task WhenAllResolvedAsync()
    {
        lock (_gate)
        {
            return _allResolved.Task;
        }
    }

    private void ShowPending(Entry entry, string why)
    {
        entry.ShownPending = true;
        show(new ChatLine(LineKind.Pending, $"… line {entry.Number} pending ({why}): {entry.Text}"));
    }

    private static TaskCompletionSource Resolved()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    private sealed class Entry(int number, string text)
    {
        public int Number { get; } = number;

        public string Text { get; } = text;

        public bool ShownPending { get; set; }

        public bool Resolved { get; set; }

        public string? Failure { get; set; }
    }
}
