using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("RealtimeClient.InteropTests.Matrix.MatrixTestFramework", "RealtimeClient.InteropTests")]

namespace RealtimeClient.InteropTests.Matrix;

/// <summary>
/// xunit's own test framework, with one addition: every test result passes through <see cref="MatrixSink"/> on its way to
/// the runner, and when the run ends the matrix of the scenarios' outcomes is written (<see cref="MatrixFile"/>). So the
/// matrix is what actually ran, never a hand-written table.
/// </summary>
public sealed class MatrixTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new MatrixExecutor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class MatrixExecutor(AssemblyName assemblyName, ISourceInformationProvider sourceInformation, IMessageSink diagnostics)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformation, diagnostics)
    {
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            // As XunitTestFrameworkExecutor does (the run's end is the assembly-finished message, not this method's end).
            var sink = new MatrixSink(executionMessageSink, DiagnosticMessageSink);
            using var runner = new XunitTestAssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, sink, executionOptions);
            await runner.RunAsync();
        }
    }
}

/// <summary>Records the outcome of each scenario as it passes to the runner, and writes the matrix just before the run's end is reported.</summary>
internal sealed class MatrixSink(IMessageSink runner, IMessageSink diagnostics) : LongLivedMarshalByRefObject, IMessageSink
{
    private readonly MatrixResults _results = new();
    private readonly Stopwatch _elapsed = new();

    public bool OnMessage(IMessageSinkMessage message)
    {
        switch (message)
        {
            case ITestAssemblyStarting:
                _elapsed.Start();
                break;
            case ITestPassed passed:
                Record(passed.Test, passed: true);
                break;
            case ITestFailed failed:
                Record(failed.Test, passed: false);
                break;
            case ITestSkipped skipped:
                Record(skipped.Test, passed: false); // nothing here is skipped; a skip would hide a cell, so it counts as a failure
                break;
            case ITestAssemblyFinished:
                Write();
                break;
        }

        return runner.OnMessage(message);
    }

    private void Record(ITest test, bool passed)
    {
        if (test.TestCase.TestMethod.Method is IReflectionMethodInfo method)
        {
            _results.Record(method.MethodInfo, test.DisplayName, test.TestCase.TestMethod.TestClass.TestCollection.DisplayName, passed);
        }
    }

    private void Write()
    {
        if (MatrixPeers.All.Count == 0)
        {
            return; // no peer started (a run of other tests only): the last matrix stays as it was
        }
        var groups = typeof(MatrixSink).Assembly.GetTypes().Where(t => t.IsPublic); // top-level public: not a test's own example
        var table = _results.Render(groups, _elapsed.Elapsed, MatrixPeers.All);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(MatrixFile.Path)!);
            File.WriteAllText(MatrixFile.Path, table);
            diagnostics.OnMessage(new DiagnosticMessage($"interop matrix written to {MatrixFile.Path}: {table.TrimEnd().Split('\n')[^1]}"));
        }
        catch (IOException e)
        {
            diagnostics.OnMessage(new DiagnosticMessage($"interop matrix not written to {MatrixFile.Path}: {e.Message}{Environment.NewLine}{table}"));
        }
    }
}

/// <summary>Where the matrix goes: <c>INTEROP_MATRIX_FILE</c>, or <c>artifacts/interop-matrix.md</c> of the checkout (what <c>.ci/run</c> prints).</summary>
internal static class MatrixFile
{
    public static string Path { get; } = Environment.GetEnvironmentVariable("INTEROP_MATRIX_FILE") is { Length: > 0 } path
        ? System.IO.Path.GetFullPath(path)
        : System.IO.Path.GetFullPath(System.IO.Path.Combine(Peers.InteropPaths.Root, "..", "..", "artifacts", "interop-matrix.md"));
}
