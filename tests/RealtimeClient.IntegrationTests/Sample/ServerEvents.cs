using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// A logger factory for the sample server that counts the server's own log events by id (3 = a connection opened,
/// 6 = authentication failed, 7 = kicked; see ChatServerLog), so a test can tell how many connections reached it.
/// </summary>
internal sealed class ServerEvents : ILoggerFactory
{
    public const int ConnectionOpened = 3;
    public const int AuthFailed = 6;
    public const int Kicked = 7;

    private readonly ConcurrentDictionary<int, int> _counts = new();

    public int Count(int eventId) => _counts.TryGetValue(eventId, out var count) ? count : 0;

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("ConsoleChat.Server", StringComparison.Ordinal) ? new Counter(this) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Counter(ServerEvents owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._counts.AddOrUpdate(eventId.Id, 1, static (_, count) => count + 1);
    }
}
