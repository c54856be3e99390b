namespace RealtimeClient;

/// <summary>The kind of a WebSocket data message.</summary>
public enum MessageKind
{
    /// <summary>A UTF-8 text message.</summary>
    Text = 0,

    /// <summary>A binary message.</summary>
    Binary = 1,
}
