namespace Testbed.Hosting.Reports;

/// <summary>
/// Turns the runs of a cluster benchmark into <see cref="BenchCell"/>s: absolute figures are medians over the measured
/// repetitions; ratios are taken repetition by repetition against the <c>none</c>/<c>plain</c> run of the same payload
/// and mode (measured minutes apart in the same invocation), then summarised as min/median/max. A repetition whose run
/// or baseline failed, or whose baseline measured zero, gives no ratio.
/// </summary>
public static class BenchAggregation
{
    /// <summary>One cell per case of <paramref name="plan"/> that has measured runs, in the plan's order.</summary>
    public static IReadOnlyList<BenchCell> Cells(BenchPlan plan, IReadOnlyList<BenchRun> runs)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(runs);
        var measured = runs.Where(r => !r.WarmUp).ToLookup(r => r.Case);
        var cells = new List<BenchCell>();
        foreach (var c in plan.Cases())
        {
            var mine = measured[c].ToList();
            if (mine.Count == 0)
            {
                continue;
            }

            var baseline = measured[c.Baseline].Where(Usable).ToDictionary(r => r.Repetition);
            var paired = mine.Where(Usable).Where(r => baseline.ContainsKey(r.Repetition)).ToList();
            var goodputRatios = paired.Where(r => baseline[r.Repetition].GoodputPerSec > 0)
                .Select(r => r.GoodputPerSec / baseline[r.Repetition].GoodputPerSec);
            var p99Ratios = paired.Where(r => baseline[r.Repetition].P99Ms > 0)
                .Select(r => r.P99Ms / baseline[r.Repetition].P99Ms);
            var ok = mine.Where(Usable).ToList();
            var source = ok.Count > 0 ? ok : mine;
            cells.Add(new BenchCell(c.Preset, c.Transport, c.PayloadBytes, c.Mode,
                Median(source.Select(r => r.GoodputPerSec)),
                Median(source.Select(r => r.P50Ms)),
                Median(source.Select(r => r.P90Ms)),
                Median(source.Select(r => r.P99Ms)),
                Median(source.Select(r => r.MaxMs)),
                Median(source.Select(r => r.CpuMicrosPerOp)),
                Median(source.Select(r => r.AllocBytesPerOp)),
                Spread(goodputRatios),
                Spread(p99Ratios)));
        }

        return cells;
    }

    /// <summary>Min, median and max of <paramref name="values"/>; all zero when there are none.</summary>
    public static Spread3 Spread(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? new Spread3(0, 0, 0) : new Spread3(sorted[0], MedianOfSorted(sorted), sorted[^1]);
    }

    /// <summary>The median (the mean of the middle two for an even count); 0 when there are no values.</summary>
    public static double Median(IEnumerable<double> values) => MedianOfSorted(values.Order().ToArray());

    private static double MedianOfSorted(double[] sorted)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>A run whose figures can be compared: it completed and its expectations held.</summary>
    private static bool Usable(BenchRun run) => run.Error is null && run.Passed;
}
