using BenchmarkDotNet.Running;

// Micro benchmarks: dotnet run -c Release --project bench/Testbed.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
