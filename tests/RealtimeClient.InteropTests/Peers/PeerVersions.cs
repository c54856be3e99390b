namespace RealtimeClient.InteropTests.Peers;

/// <summary>The versions of what a peer runs on, in the order they matter ("node 20.20.2, ws 8.23.0").</summary>
public sealed class PeerVersions(IReadOnlyList<KeyValuePair<string, string>> components)
{
    public IReadOnlyList<KeyValuePair<string, string>> Components { get; } = components;

    public string this[string component] => Components.First(c => c.Key == component).Value;

    /// <summary>The <c>name=version</c> words that follow <c>listening 127.0.0.1:PORT</c> on a peer's first line.</summary>
    public static PeerVersions Parse(string words) => new(
        words.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Split('=', 2))
            .Where(p => p.Length == 2)
            .Select(p => KeyValuePair.Create(p[0], p[1]))
            .ToList());

    public PeerVersions Concat(PeerVersions other) => new([.. Components, .. other.Components]);

    public override string ToString() => string.Join(", ", Components.Select(c => $"{c.Key} {c.Value}"));
}
