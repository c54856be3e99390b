// BenchmarkDotNet micro-benchmarks of the library's hot paths (MemoryDiagnoser on every class).
//
//   dotnet run -c Release --project benchmarks/RealtimeClient.Benchmarks -- --filter '*' --job short
//
// See benchmarks/README.md.
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
