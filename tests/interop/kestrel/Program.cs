using System.Net;
using System.Reflection;
using KestrelPeer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The Kestrel interop peer: an echo server with the in-band controls of tests/interop/README.md.
// Prints "listening 127.0.0.1:PORT dotnet=... aspnetcore=..." as its first line; exits when its standard input closes.
var arguments = PeerArguments.Parse(args);
if (arguments is null)
{
    await Console.Error.WriteLineAsync(PeerArguments.Usage);
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, arguments.Port));
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));

using var log = new PeerLog(arguments.LogPath);
var peer = new Peer(log, arguments.MaxMessageSize);
await using var app = builder.Build();
app.UseWebSockets();
app.Run(peer.HandleAsync);
await app.StartAsync();

var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
var aspNetCore = typeof(WebApplication).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
Console.WriteLine($"listening 127.0.0.1:{new Uri(address).Port} dotnet={Environment.Version} aspnetcore={aspNetCore}");

// Never outlive the test run that started this process: its standard input is a pipe from the tests.
var stdinClosed = Console.OpenStandardInput().CopyToAsync(Stream.Null);
await Task.WhenAny(stdinClosed, app.WaitForShutdownAsync());
await app.StopAsync();
return 0;
