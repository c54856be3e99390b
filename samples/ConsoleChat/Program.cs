using ConsoleChat;
using ConsoleChat.Client;
using ConsoleChat.Input;
using ConsoleChat.Server;
using ConsoleChat.View;

// The sample: with no arguments it starts the chat server inside this process on a free 127.0.0.1 port and joins it.
// --url joins any server that speaks docs/protocol.md instead; --serve runs only the server.
// This file only puts the parts together: the view (View/), the input (Input/) and the chat logic (Client/).
if (!ChatArguments.TryParse(args, out var parsed, out var error))
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine("run with --help for the options");
    return ExitCodes.BadArguments;
}

if (parsed.Help)
{
    Console.WriteLine(ChatArguments.Usage);
    return ExitCodes.Ok;
}

var serverOptions = new ChatServerOptions { HeartbeatTimeout = parsed.HeartbeatTimeout, MaxMessageBytes = parsed.MaxMessageBytes };
if (parsed.ServePort is { } servePort)
{
    return await ServeCommand.RunAsync(serverOptions with { Port = servePort }, Console.Out, Console.Error);
}

// Plain lines when output is redirected (scripts, tests); Spectre.Console with a status line in a terminal.
var terminal = !Console.IsOutputRedirected;
using IChatView view = terminal ? new TerminalView(TerminalView.CreateConsole(), TimeProvider.System) : new PlainView(Console.Out);
using IChatInput input = terminal && !Console.IsInputRedirected && view is IPrompt prompt ? new KeyInput(prompt) : new LineInput(Console.In);
using var ctrlC = new CtrlC(input, () =>
{
    view.Show(new ChatLine(LineKind.Problem, "Ctrl-C again: leaving now; lines still pending are not delivered"));
    view.Dispose();
    Environment.Exit(ExitCodes.Interrupted);
});

ChatServer? embedded = null;
var url = parsed.Url;
if (url is null)
{
    embedded = await ChatServer.StartAsync(serverOptions with { Port = 0 });
    url = embedded.Url;
    view.Show(new ChatLine(LineKind.Info, $"sample chat server running at {url}"));
    view.Show(new ChatLine(LineKind.Info, $"join from another terminal: dotnet run --project samples/ConsoleChat -- --url {url} --token someone-else"));
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
        QuitWait = parsed.QuitWait,
        OutboxPath = parsed.Outbox,
        Interactive = !Console.IsInputRedirected,
    };
    return await ChatClient.RunAsync(options, input, view, CancellationToken.None);
}
finally
{
    if (embedded is not null)
    {
        await embedded.DisposeAsync();
    }
}
