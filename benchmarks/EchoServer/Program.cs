// Loopback echo server for the side-by-side harness (benchmarks/LoopbackHarness).
//
//   dotnet EchoServer.dll [--port N]      N = 0 (default) picks a free port
//
// Binds 127.0.0.1 only, serves WebSockets on /ws, prints exactly "LISTENING <port>" once ready, and exits
// when stdin closes (the harness died or let go of it) or on SIGTERM / Ctrl+C.
//  * Every message is echoed back whole, with its type (text/binary); fragments are assembled first.
//  * A text message {"type":"burst","data":{"count":N,"size":S}} instead makes the server send N envelopes
//    {"type":"tick","data":{"seq":i,"symbol":"ABC","price":123.45,"note":"..."}} of about S bytes each,
//    back to back, one send at a time (see TickBurst.cs).
//  * {"type":"stream","data":{"count":N,"size":S,"rate":R}} sends the same envelopes R a second (TickStream.cs).
using System.Globalization;
using System.Net;
using EchoServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

int port = 0;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length
        && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is >= 0 and <= 65535)
    {
        port = p;
    }
    else
    {
        await Console.Error.WriteLineAsync("usage: EchoServer [--port N]   (N = 0 picks a free port)");
        return 2;
    }
}

// Arguments are parsed above; none go to configuration.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
builder.Logging.ClearProviders();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
builder.WebHost.ConfigureKestrel(o =>
{
    o.AddServerHeader = false;
    o.Limits.MaxConcurrentConnections = null;          // the scale row opens 10,000 sockets
    o.Limits.MaxConcurrentUpgradedConnections = null;
    o.Listen(IPAddress.Loopback, port);
});

await using var app = builder.Build();
var stopping = app.Lifetime.ApplicationStopping;
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
app.Run(async context =>
{
    if (context.Request.Path != "/ws" || !context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    await EchoLoop.RunAsync(socket, stopping);
});

await app.StartAsync();
int boundPort = new Uri(app.Urls.First()).Port;
Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LISTENING {boundPort}"));
Console.Out.Flush();

// Stdin closing means the harness is gone (or asked us to stop): shut down.
var stdinWatcher = new Thread(() =>
{
    try
    {
        while (Console.In.ReadLine() is not null)
        {
        }
    }
    catch (IOException)
    {
    }

    app.Lifetime.StopApplication();
})
{ IsBackground = true, Name = "stdin watcher" };
stdinWatcher.Start();

await app.WaitForShutdownAsync();
return 0;
