using System.Text;

namespace RealtimeClient.Outbox.Sqlite.Tests;

/// <summary>Test entries and the time a test waits at most for something that must happen (a bound, not a delay).</summary>
internal static class Entries
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly DateTimeOffset Created = new(2025, 6, 1, 12, 30, 15, 123, TimeSpan.FromHours(2));

    public static OutboxEntry Text(string id, string? text = null) =>
        new(id, MessageKind.Text, Encoding.UTF8.GetBytes(text ?? $"{{\"type\":\"message\",\"id\":\"{id}\"}}"), Created);

    public static OutboxEntry Binary(string id, int size, byte fill) =>
        new(id, MessageKind.Binary, Enumerable.Repeat(fill, size).ToArray(), Created.AddMinutes(1));

    public static async Task<IReadOnlyList<OutboxEntry>> ReopenAsync(TempFolder folder)
    {
        await using var store = folder.NewStore();
        return await store.OpenAsync(CancellationToken.None);
    }

    public static string[] Ids(IEnumerable<OutboxEntry> entries) => entries.Select(e => e.Id).ToArray();
}
