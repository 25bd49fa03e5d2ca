using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Running;

// Micro benchmarks; reports (GitHub markdown and CSV) go to results/bdn/results, relative to where it is run:
//   dotnet run -c Release --project bench/Testbed.Bench -- --filter '*'                (all, default job)
//   dotnet run -c Release --project bench/Testbed.Bench -- --filter '*' --job short    (quicker, wider error bars)
// Any BenchmarkDotNet option works after `--` (e.g. --filter '*Replay*', --artifacts DIR).
var defaults = DefaultConfig.Instance;
var config = ManualConfig.CreateEmpty()
    .AddColumnProvider([.. defaults.GetColumnProviders()])
    .AddLogger([.. defaults.GetLoggers()])
    .AddAnalyser([.. defaults.GetAnalysers()])
    .AddValidator([.. defaults.GetValidators()])
    .AddExporter(MarkdownExporter.GitHub, CsvExporter.Default)
    .WithArtifactsPath(Path.Combine("results", "bdn"));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
