using System.Diagnostics;
using Testbed.Fuzz;
using Testbed.Fuzz.Engine;
using Testbed.Fuzz.Targets;

// The fuzz harness: dotnet run -c Release --project tests/Testbed.Fuzz -- [--inputs N] [--seed N] [--target NAME]...
// Exit 0: no crash and no violation; 1: a crash, a violation (or, with --strict, a known finding), or a target that
// could not run; 2: bad arguments.
if (!FuzzArguments.TryParse(args, out var arguments, out var problem))
{
    Console.Error.WriteLine($"testbed-fuzz: {problem}");
    Console.Error.WriteLine(FuzzArguments.Usage);
    return 2;
}

if (arguments.List)
{
    foreach (var name in TargetCatalog.Names)
    {
        Console.WriteLine(name);
    }

    return 0;
}

if (arguments.Replay is { } replay)
{
    return FuzzReport.Replay(arguments.Targets[0], File.ReadAllBytes(replay), Console.Out);
}

Console.WriteLine($"fuzz: seed {arguments.Seed}, {arguments.Inputs:N0} inputs per target, targets {string.Join(' ', arguments.Targets)}, {arguments.Jobs} in parallel");
var started = DateTimeOffset.UtcNow;
var clock = Stopwatch.StartNew();
var results = new (TargetResult? Result, string? Error)[arguments.Targets.Count];
var options = new FuzzOptions(arguments.Inputs, arguments.Seed, arguments.Output, arguments.Strict);
var lockObject = new object();
Parallel.For(0, arguments.Targets.Count, new ParallelOptions { MaxDegreeOfParallelism = arguments.Jobs }, i =>
{
    var name = arguments.Targets[i];
    try
    {
        var result = TargetCatalog.Run(name, options with { Progress = done => Console.WriteLine($"  [{name}] {done:N0} / {arguments.Inputs:N0}") });
        results[i] = (result, null);
        lock (lockObject)
        {
            Console.WriteLine($"  [{name}] done: {result.Inputs:N0} inputs, {result.Crashes} crashes, {result.Violations} violations, {result.InputsPerSecond:N0}/s");
        }
    }
    catch (Exception e)
    {
        results[i] = (null, e.ToString());
        Console.Error.WriteLine($"  [{name}] could not run: {e}");
    }
});
clock.Stop();

Console.WriteLine();
Console.WriteLine(FuzzReport.Table(arguments.Targets, results));
var failed = results.Any(r => r.Result is null || r.Result.Failed(arguments.Strict));
foreach (var finding in results.Where(r => r.Result is not null).SelectMany(r => r.Result!.Findings.Select(f => (r.Result!.Target, f))))
{
    Console.WriteLine($"{finding.Target}: {(finding.f.Known ? "known " : "")}{finding.f.Kind.ToString().ToLowerInvariant()} x{finding.f.Count}: {finding.f.Key}{(finding.f.Files.Count > 0 ? $"  ({finding.f.Files[0]})" : "")}");
}

Directory.CreateDirectory(arguments.Output);
var json = Path.Combine(arguments.Output, "fuzz.json");
File.WriteAllText(json, FuzzReport.Json(arguments, started, clock.Elapsed, results, failed));
Console.WriteLine($"fuzz: {(failed ? "FAILED" : "passed")} in {clock.Elapsed.TotalSeconds:F1} s; seed {arguments.Seed}; wrote {json}");
return failed ? 1 : 0;
