using System.Net;
using System.Net.WebSockets;

namespace RealtimeClient.Testing;

/// <summary>
/// What <see cref="InMemoryWebSocketServer"/> does with one connection attempt: accept it, refuse it with an HTTP
/// status, fail it like a refused TCP connection, hang until the attempt is cancelled, or run custom code first.
/// </summary>
public sealed class Handshake
{
    private readonly Func<WebSocketConnectRequest, CancellationToken, ValueTask> _before;

    private Handshake(string name, Func<WebSocketConnectRequest, CancellationToken, ValueTask> before)
    {
        Name = name;
        _before = before;
    }

    /// <summary>Accepts the attempt: the client gets an open socket (the default).</summary>
    public static Handshake Accept { get; } = new("Accept", (_, _) => ValueTask.CompletedTask);

    /// <summary>Never completes: the attempt ends only when its cancellation token is cancelled (then <see cref="OperationCanceledException"/>).</summary>
    public static Handshake Hang { get; } = new("Hang", async (_, ct) =>
        await new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously).Task.WaitAsync(ct).ConfigureAwait(false));

    /// <summary>A short name for diagnostics.</summary>
    public string Name { get; }

    /// <summary>Refuses the upgrade with <paramref name="status"/>: the attempt throws <see cref="HandshakeRejectedException"/>.</summary>
    public static Handshake Refuse(HttpStatusCode status) =>
        new($"Refuse({(int)status})", (_, _) => throw new HandshakeRejectedException(status));

    /// <summary>Fails like a refused or reset TCP connection: the attempt throws <see cref="WebSocketException"/>.</summary>
    public static Handshake Fail(string message = "Unable to connect to the remote server (in-memory: connection refused).") =>
        new("Fail", (_, _) => throw new WebSocketException(WebSocketError.Faulted, message));

    /// <summary>Fails the attempt with <paramref name="exception"/>.</summary>
    public static Handshake Throw(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new($"Throw({exception.GetType().Name})", (_, _) => throw exception);
    }

    /// <summary>
    /// Runs <paramref name="before"/> (for example a virtual-time delay, or an assertion on the request); accepts if
    /// it returns normally, otherwise the attempt fails with its exception.
    /// </summary>
    public static Handshake Run(Func<WebSocketConnectRequest, CancellationToken, ValueTask> before)
    {
        ArgumentNullException.ThrowIfNull(before);
        return new("Run", before);
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Runs the scripted behaviour; returns normally when the attempt is to be accepted.</summary>
    internal ValueTask RunAsync(WebSocketConnectRequest request, CancellationToken cancellationToken) => _before(request, cancellationToken);
}
