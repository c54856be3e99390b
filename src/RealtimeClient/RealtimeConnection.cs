using RealtimeClient.Internal;

namespace RealtimeClient;

/// <summary>Stub; replaced by the engine.</summary>
public sealed partial class RealtimeConnection
{
    /// <summary>Errors stub.</summary>
    public IObservable<RealtimeError> Errors { get; } = null!;

    internal Dispatcher Dispatcher { get; } = null!;
}
