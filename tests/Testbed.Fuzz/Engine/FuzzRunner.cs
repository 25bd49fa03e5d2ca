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

    /// <summary>Inputs are cut to this length (as libFuzzer's -max_len), so that splices and duplications cannot grow them without bound.</summary>
    public int MaxInputBytes { get; init; } = 8192;

    /// <summary>Only inputs up to this length join a target's corpus.</summary>
    public int MaxKeptBytes { get; init; } = 2048;

    /// <summary>An input that runs longer is a <see cref="FindingKind.Slow"/> finding.</summary>
    public TimeSpan SlowInput { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>An input still running after this long is saved (and reported on stderr) before it ends, in case it never does.</summary>
    public TimeSpan HangAfter { get; init; } = TimeSpan.FromSeconds(30);

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
        InFlight? running = null;
        long reportedHang = -1;
        using var watchdog = new Timer(_ =>
        {
            if (Volatile.Read(ref running) is { } r && r.Index != Interlocked.Read(ref reportedHang)
                && Stopwatch.GetElapsedTime(r.Start) > options.HangAfter)
            {
                Interlocked.Exchange(ref reportedHang, r.Index);
                Console.Error.WriteLine($"  [{target.Name}] input #{r.Index} still running after {options.HangAfter.TotalSeconds:F0} s; saved");
                log.Finding(r.Index, r.Seed, r.Input, FindingKind.Slow, "hang", $"still running after {Stopwatch.GetElapsedTime(r.Start).TotalSeconds:F0} s");
            }
        }, null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
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
            if (input.Length > options.MaxInputBytes)
            {
                input = input[..options.MaxInputBytes];
            }

            Verdict verdict;
            var start = Stopwatch.GetTimestamp();
            Volatile.Write(ref running, new InFlight(i, seedIndex, input, start));
            try
            {
                verdict = target.Run(seedIndex, input);
            }
            catch (Exception e)
            {
                log.Crash(i, seedIndex, input, e);
                continue;
            }
            finally
            {
                Volatile.Write(ref running, null);
                var took = Stopwatch.GetElapsedTime(start);
                if (took > options.SlowInput)
                {
                    log.Finding(i, seedIndex, input, FindingKind.Slow, "slow", $"took {took.TotalSeconds:F1} s");
                }
            }

            if (verdict.Accepted)
            {
                accepted++;
            }

            if (verdict.Interesting && input.Length <= options.MaxKeptBytes)
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

    private sealed record InFlight(long Index, int Seed, byte[] Input, long Start);

    /// <summary>A stable name for an exception: its type and the first frame in Testbed code (else the first frame).</summary>
    public static string CrashKey(Exception e)
    {
        var methods = new StackTrace(e, fNeedFileInfo: false).GetFrames().Select(f => f.GetMethod()).OfType<System.Reflection.MethodBase>().ToArray();
        var method = methods.FirstOrDefault(m => m.DeclaringType?.FullName?.StartsWith("Testbed.", StringComparison.Ordinal) == true) ?? methods.FirstOrDefault();
        return method is null ? e.GetType().FullName ?? "exception" : $"{e.GetType().FullName} at {method.DeclaringType?.FullName}.{method.Name}";
    }
}
