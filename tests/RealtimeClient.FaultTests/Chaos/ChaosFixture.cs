using Xunit.Abstractions;
using Xunit.Sdk;

namespace RealtimeClient.FaultTests.Chaos;

/// <summary>Runs the chaos suite once for all its assertions, and prints the figure line.</summary>
public sealed class ChaosFixture(IMessageSink diagnostics) : IAsyncLifetime
{
    public ChaosReport Report { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Report = await ChaosReport.RunAsync(ChaosSettings.FromEnvironment());
        // Shown by `dotnet test` because xunit.runner.json turns diagnostic messages on; each test's output has it too.
        diagnostics.OnMessage(new DiagnosticMessage(Report.Details));
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
