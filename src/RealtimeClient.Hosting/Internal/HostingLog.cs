using Microsoft.Extensions.Logging;

namespace RealtimeClient.Hosting.Internal;

/// <summary>Every log event of the hosting package (ids 4000–4099). Names and counts only: never an address or a secret.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "RealtimeClient connection {Connection} started with the host")]
    public static partial void Started(ILogger logger, string connection);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "RealtimeClient connection {Connection} drained: nothing queued or unacknowledged")]
    public static partial void Drained(ILogger logger, string connection);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "RealtimeClient connection {Connection} stops with {Queued} messages queued and {Unacknowledged} unacknowledged: {Bound} ran out; they fail with ConnectionClosed")]
    public static partial void NotDrained(ILogger logger, string connection, int queued, int unacknowledged, string bound);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "RealtimeClient connection {Connection} stopped with the host")]
    public static partial void Stopped(ILogger logger, string connection);
}
