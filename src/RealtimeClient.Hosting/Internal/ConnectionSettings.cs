namespace RealtimeClient.Hosting.Internal;

/// <summary>
/// The named options of one registered connection. <see cref="RealtimeOptions"/> is an immutable record, so the options
/// system (which configures by mutation) holds it in this box: configuration binds a new record into it, then each code
/// step replaces it with its <c>with</c> variant, in registration order.
/// </summary>
internal sealed class ConnectionSettings
{
    public RealtimeOptions Options { get; set; } = new();

    /// <summary>The configuration section it was bound from, for error messages (never a value from it).</summary>
    public string? SectionPath { get; set; }
}
