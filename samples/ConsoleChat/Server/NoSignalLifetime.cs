using Microsoft.Extensions.Hosting;

namespace ConsoleChat.Server;

/// <summary>
/// A host lifetime that leaves signals alone. The default one (ConsoleLifetime) cancels SIGINT and SIGTERM and only asks
/// the host to stop, which nothing here waits for: an embedded server would swallow the chat's Ctrl-C, and `kill` would not
/// stop the process. The app that hosts the server decides what a signal does.
/// </summary>
internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
