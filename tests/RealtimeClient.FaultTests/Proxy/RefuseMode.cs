namespace RealtimeClient.FaultTests.Proxy;

/// <summary>How <see cref="FaultProxy.Refuse"/> turns new connections away.</summary>
public enum RefuseMode
{
    /// <summary>Accept each new connection and close it at once, without connecting to the target.</summary>
    AcceptAndClose = 0,

    /// <summary>Stop listening: new connections are refused by the operating system (connection refused).</summary>
    StopListening = 1,
}
