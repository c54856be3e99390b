using System.Net.Sockets;
using System.Runtime.InteropServices;
using ConsoleChat.Client;

namespace ConsoleChat.Server;

/// <summary><c>--serve PORT</c>: the sample chat server in the foreground until Ctrl-C (a second Ctrl-C leaves at once).</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(ChatServerOptions options, TextWriter output, TextWriter errors)
    {
        using var stop = new CancellationTokenSource();
        var presses = 0;
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = true;
            if (Interlocked.Increment(ref presses) == 1)
            {
                stop.Cancel();
            }
            else
            {
                Environment.Exit(ExitCodes.Interrupted);
            }
        };
        Console.CancelKeyPress += onCtrlC;
        // SIGTERM (kill, a service manager) stops the server the same way.
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            ChatServer server;
            try
            {
                server = await ChatServer.StartAsync(options, stop.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                errors.WriteLine(CannotListen(options.Port, ex));
                return ExitCodes.PortInUse;
            }

            await using (server)
            {
                output.WriteLine($"chat server listening on {server.Url} (Ctrl-C to stop)");
                output.Flush();
                await server.RunUntilCancelledAsync(stop.Token);
                output.WriteLine("chat server stopped");
                return ExitCodes.Ok;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return ExitCodes.Ok; // Ctrl-C while starting
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }

    /// <summary>Why the server cannot listen, in words, with what to do (never a stack trace).</summary>
    internal static string CannotListen(int port, Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.GetType().Name == "AddressInUseException")
            {
                return $"cannot serve: port {port} on 127.0.0.1 is already in use (another server, or a chat still running?); "
                    + "stop it, or choose another port with --serve PORT (--serve 0 picks a free one)";
            }

            if (e is SocketException { SocketErrorCode: SocketError.AccessDenied })
            {
                return $"cannot serve: not allowed to listen on port {port}; choose a port above 1023, or --serve 0 for a free one";
            }
        }

        return $"cannot serve on port {port}: {ex.Message}";
    }
}
