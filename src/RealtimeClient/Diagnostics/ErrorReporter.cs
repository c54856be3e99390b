using Microsoft.Extensions.Logging;
using RealtimeClient.Streams;

namespace RealtimeClient.Diagnostics;

/// <summary>
/// The connection's <see cref="RealtimeConnection.Errors"/> stream and the one way every component reports a problem it
/// survived: each report is logged by its owner and published here. A throwing observer of any stream is reported here too
/// (an observer of this stream that throws is only logged).
/// </summary>
internal sealed class ErrorReporter
{
    private readonly ILogger _logger;
    private readonly EventStream<RealtimeError> _errors;
    private readonly ConnectionTelemetry _telemetry;

    public ErrorReporter(ILogger logger, ConnectionTelemetry? telemetry = null)
    {
        _logger = logger;
        _telemetry = telemetry ?? ConnectionTelemetry.None;
        _errors = new EventStream<RealtimeError>("Errors", (name, ex) => Log.ObserverFailed(logger, name, ex));
    }

    public IObservable<RealtimeError> Stream => _errors;

    public void Report(ErrorKind kind, string message, Exception? exception = null, string? excerpt = null)
    {
        _telemetry.ErrorReported(kind);
        _errors.Publish(new RealtimeError(kind, message, exception, excerpt));
    }

    /// <summary>
    /// An observer of <paramref name="stream"/> threw: logged, and reported as <see cref="ErrorKind.SubscriberFailed"/>, with
    /// an excerpt of the inbound message it was given when there is one.
    /// </summary>
    public void ObserverFailed(string stream, Exception exception) => ObserverFailed(stream, exception, excerpt: null);

    /// <inheritdoc cref="ObserverFailed(string, Exception)"/>
    public void ObserverFailed(string stream, Exception exception, string? excerpt)
    {
        Log.ObserverFailed(_logger, stream, exception);
        Report(ErrorKind.SubscriberFailed, $"A subscriber of {stream} threw {exception.GetType().Name}; it keeps its subscription.", exception, excerpt);
    }

    public void Complete() => _errors.Complete();
}
