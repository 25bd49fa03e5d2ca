using System.Diagnostics;

namespace Testbed.Fuzz.Engine;

/// <summary>How one target is run.</summary>
/// <param name="Inputs">Inputs to try.</param>
/// <param name="Seed">The run's seed; each target draws from its own stream derived from it and its name.</param>
/// <param name="OutputDirectory">Where findings are saved (a folder per target), or null to save nothing.</param>
/// <param name="Strict">Known findings fail the target too.</param>
public sealed record FuzzOptions(long Inputs, ulong Seed, string? OutputDirectory = null, bool Strict = false)
{
    /// <summary>Called with the inputs done so far every <see cref="ProgressEvery"/> inputs.</summary>
    public Action<long>? Progress { get; init; }

    /// <summary>How often <see cref="Progress"/> is called.</summary>
    public long ProgressEvery { get; init; } = 100_000;

    /// <summary>Inputs saved per finding key (the first ones found).</summary>
    public int SavedPerKey { get; init; } = 3;

    /// <summary>Finding files saved per target at most.</summary>
    public int MaxSaved { get; init; } = 20;
}

/// <summary>Runs a target: draws a seed, mutates it, runs it, and records crashes and broken properties.</summary>
public static class FuzzRunner
{
    /// <summary>Runs <paramref name="target"/> for <paramref name="options"/>.Inputs inputs.</summary>
    public static TargetResult Run(IFuzzTarget target, FuzzOptions options)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var random = new FuzzRandom(FuzzRandom.Derive(options.Seed, target.Name));
        var log = new FindingLog(target, options);
        long accepted = 0;
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < options.Inputs; i++)
        {
            if (i > 0 && i % options.ProgressEvery == 0)
            {
                options.Progress?.Invoke(i);
            }

            target.BeforeInput(i);
            var corpus = target.Corpus;
            var seedIndex = random.Next(corpus.Count);
            var input = target.Mutator.Mutate(corpus[seedIndex], corpus, random);
            Verdict verdict;
            try
            {
                verdict = target.Run(seedIndex, input);
            }
            catch (Exception e)
            {
                log.Crash(i, seedIndex, input, e);
                continue;
            }

            if (verdict.Accepted)
            {
                accepted++;
            }

            if (verdict.Interesting)
            {
                target.Keep(input);
            }

            if (verdict.Finding is { } kind)
            {
                log.Finding(i, seedIndex, input, kind, verdict.Key ?? "unnamed", verdict.Detail ?? "");
            }
        }

        clock.Stop();
        return log.Result(options.Inputs, accepted, clock.Elapsed) with
        {
            Statistics = target.Statistics.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        };
    }

    /// <summary>A stable name for an exception: its type and the first frame in Testbed code (else the first frame).</summary>
    public static string CrashKey(Exception e)
    {
        var methods = new StackTrace(e, fNeedFileInfo: false).GetFrames().Select(f => f.GetMethod()).OfType<System.Reflection.MethodBase>().ToArray();
        var method = methods.FirstOrDefault(m => m.DeclaringType?.FullName?.StartsWith("Testbed.", StringComparison.Ordinal) == true) ?? methods.FirstOrDefault();
        return method is null ? e.GetType().FullName ?? "exception" : $"{e.GetType().FullName} at {method.DeclaringType?.FullName}.{method.Name}";
    }
}
