using ConsoleChat;
using ConsoleChat.Client;
using ConsoleChat.Server;

// The sample: with no arguments it starts the chat server inside this process on a free 127.0.0.1 port and joins it.
// --url joins any server that speaks ../shared/PROTOCOL.md instead; --serve runs only the server.
if (!ChatArguments.TryParse(args, out var parsed, out var error))
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(ChatArguments.Usage);
    return 64;
}

if (parsed.Help)
{
    Console.WriteLine(ChatArguments.Usage);
    return 0;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

if (parsed.ServePort is { } servePort)
{
    await using var standalone = await ChatServer.StartAsync(new ChatServerOptions { Port = servePort, HeartbeatTimeout = parsed.HeartbeatTimeout }, cts.Token);
    Console.WriteLine($"chat server listening on {standalone.Url} (Ctrl+C to stop)");
    await standalone.RunUntilCancelledAsync(cts.Token);
    return 0;
}

ChatServer? embedded = null;
var url = parsed.Url;
if (url is null)
{
    embedded = await ChatServer.StartAsync(new ChatServerOptions { Port = 0, HeartbeatTimeout = parsed.HeartbeatTimeout }, cts.Token);
    url = embedded.Url;
    Console.WriteLine($"sample chat server running at {url}");
    Console.WriteLine($"join from another terminal: dotnet run --project samples/ConsoleChat -- --url {url} --token someone-else");
}

try
{
    var options = new ChatClientOptions
    {
        Url = url,
        Token = parsed.Token,
        HeartbeatInterval = parsed.HeartbeatInterval,
        HeartbeatTimeout = parsed.HeartbeatTimeout,
        ReconnectMin = parsed.ReconnectMin,
        ReconnectMax = parsed.ReconnectMax,
        DrainTimeout = parsed.DrainTimeout,
        Interactive = !Console.IsInputRedirected,
    };
    return await ChatClient.RunAsync(options, Console.In, Console.Out, cts.Token);
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    return 130;
}
finally
{
    if (embedded is not null)
    {
        await embedded.DisposeAsync();
    }
}
