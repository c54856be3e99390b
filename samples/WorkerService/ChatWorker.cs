// samples/WorkerService/ChatWorker.cs
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RealtimeClient;

namespace WorkerService;

/// <summary>Shows the chat, and sends a status report every Chat:ReportEvery with acknowledged delivery.</summary>
public sealed class ChatWorker(IRealtimeConnection connection, HealthCheckService health, IConfiguration configuration, ILogger<ChatWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var chat = connection.On<ChatMessage>("message")
            .Subscribe(m => logger.LogInformation("{Sender}: {Text}", m.Sender.Username, m.Text));
        using var states = connection.StateChanges
            .Subscribe(change => logger.LogInformation("connection: {Change}", change));

        using var timer = new PeriodicTimer(configuration.GetValue("Chat:ReportEvery", TimeSpan.FromSeconds(10)));
        var number = 0;
        do
        {
            number++;
            try
            {
                // Queued while offline, resent after a reconnect, completes when the server acknowledges it.
                await connection.SendAsync("message", new ChatText($"status report {number}"), SendOptions.Acknowledged, stoppingToken);
                logger.LogInformation("status report {Number} acknowledged", number);
            }
            catch (MessageDeliveryException e)
            {
                logger.LogWarning("status report {Number} not delivered: {Reason}", number, e.Reason);
            }

            var report = await health.CheckHealthAsync(stoppingToken);
            logger.LogInformation("health: {Status}: {Description}", report.Status, report.Entries["realtime"].Description);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
