// samples/WorkerService/Program.cs
using RealtimeClient;
using RealtimeClient.Serialization;
using WorkerService;

var builder = Host.CreateApplicationBuilder(args);
var token = builder.Configuration["Chat:Token"] ?? "worker-bot";

// The "Realtime" section of appsettings.json holds the options; code adds what configuration cannot carry.
builder.Services.AddRealtimeConnection(builder.Configuration.GetSection("Realtime"))
    .Configure(options => options with
    {
        Serializer = new SystemTextJsonSerializer(ChatJson.Default),
        OnConnected = async (ctx, ct) =>
        {
            // Authenticate on every new socket, before anything queued goes out.
            var reply = ctx.WaitForTypeAsync(["auth_success", "auth_failed"], ct);
            await ctx.SendAsync("auth", new AuthRequest(token), ct);
            if ((await reply).Type == "auth_failed")
            {
                throw new FatalConnectionException("The server refused the token.");
            }
        },
    })
    .WithHostedLifetime(drainTimeout: TimeSpan.FromSeconds(5)); // connects with the host; drains, then closes, when it stops

builder.Services.AddHealthChecks().AddRealtimeConnectionHealthCheck();
builder.Services.AddHostedService<ChatWorker>();

await builder.Build().RunAsync();
