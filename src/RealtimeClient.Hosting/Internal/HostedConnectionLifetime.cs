using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RealtimeClient.Hosting.Internal;

/// <summary>
/// The opt-in hosted lifetime of one connection: started with the host (in the background), drained then stopped when
/// the host stops, within the host's shutdown token.
/// </summary>
internal sealed class HostedConnectionLifetime(IRealtimeConnection connection, string name, TimeSpan drainTimeout, ILogger logger) : IHostedService
{
    public const string LogCategory = "RealtimeClient.Hosting";

    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(5);

    private readonly string _display = name.Length == 0 ? "(default)" : name;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        connection.Start();
        HostingLog.Started(logger, _display);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var drained = false;
        if (drainTimeout != TimeSpan.Zero)
        {
            try
            {
                drained = await connection.DrainAsync(drainTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host's shutdown timeout ran out first: stop now (the close handshake is cut short too).
            }
        }

        if (drained || (connection.PendingCount == 0 && connection.UnacknowledgedCount == 0))
        {
            HostingLog.Drained(logger, _display);
        }
        else
        {
            HostingLog.NotDrained(logger, _display, connection.PendingCount, connection.UnacknowledgedCount, cancellationToken.IsCancellationRequested ? "the host's shutdown timeout" : "the drain timeout");
        }

        try
        {
            await connection.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The stop was cut short by the host: the socket is aborted.
        }

        HostingLog.Stopped(logger, _display);
    }
}
