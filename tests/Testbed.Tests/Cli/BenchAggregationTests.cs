using Testbed.Hosting.Reports;
using Xunit;

namespace Testbed.Tests.Cli;

/// <summary>The cluster benchmark's arithmetic: the plan's interleaving and the cells' medians and per-repetition ratios.</summary>
public sealed class BenchAggregationTests
{
    private static readonly BenchPlan Plan = new()
    {
        Presets = ["none", "tls-like"],
        Transports = [BenchNames.Plain, BenchNames.OrleansTls],
        Payloads = [64, 1024],
        Modes = [BenchNames.Closed, BenchNames.Open],
        Repetitions = 3,
    };

    private static BenchRun Run(string preset, string transport, int repetition, double goodput, double p99, int payload = 64, string mode = BenchNames.Closed,
        bool warmUp = false, string? error = null) =>
        new(new BenchCase(preset, transport, payload, mode), repetition, warmUp, 1000, goodput, p99 / 4, p99 / 2, p99, p99 * 2, 100 * p99, 1000 * p99, error is null, 0, error);

    [Fact]
    public void Plan_runs_every_cell_once_per_repetition_in_forward_then_reversed_order()
    {
        var cases = Plan.Cases();

        Assert.Equal(2 * 2 * 2 * 2, cases.Count);
        Assert.Equal(cases.Count, cases.Distinct().Count());
        Assert.Equal(new BenchCase("none", BenchNames.Plain, 64, BenchNames.Closed), cases[0]);
        Assert.Equal(new BenchCase("tls-like", BenchNames.Plain, 64, BenchNames.Closed), cases[1]);
        Assert.Equal(new BenchCase("none", BenchNames.OrleansTls, 64, BenchNames.Closed), cases[2]);
        Assert.Equal(BenchNames.Open, cases[^1].Mode);
        Assert.Equal(cases, Plan.Order(0));
        Assert.Equal(cases.Reverse(), Plan.Order(1));
        Assert.Equal(4 * cases.Count, Plan.TotalRuns); // 3 measured + 1 warm-up repetition
        Assert.Equal(3 * cases.Count, (Plan with { WarmupRepetition = false }).TotalRuns);
        Assert.Equal(new BenchCase("none", BenchNames.Plain, 1024, BenchNames.Open), cases[^1].Baseline);
    }

    [Fact]
    public void Ratios_are_taken_per_repetition_against_none_plain_of_the_same_payload_and_mode()
    {
        var runs = new List<BenchRun>
        {
            Run("none", BenchNames.Plain, 0, 1, 1, warmUp: true), // a warm-up run never counts
            Run("tls-like", BenchNames.Plain, 0, 1000, 1, warmUp: true),
            Run("none", BenchNames.Plain, 1, 1000, 2),
            Run("none", BenchNames.Plain, 2, 2000, 4),
            Run("none", BenchNames.Plain, 3, 4000, 8),
            Run("tls-like", BenchNames.Plain, 1, 500, 4),   // 0.5 ×, p99 2 ×
            Run("tls-like", BenchNames.Plain, 2, 1800, 4),  // 0.9 ×, p99 1 ×
            Run("tls-like", BenchNames.Plain, 3, 2800, 24), // 0.7 ×, p99 3 ×
            Run("none", BenchNames.Plain, 1, 10, 1, payload: 1024), // another payload: its own baseline
            Run("none", BenchNames.OrleansTls, 1, 5, 1, payload: 1024),
        };

        var cells = BenchAggregation.Cells(Plan, runs);

        Assert.Equal(4, cells.Count); // only cells with measured runs, in plan order
        var none = cells[0];
        Assert.Equal(("none", BenchNames.Plain, 64, BenchNames.Closed), (none.Preset, none.Transport, none.PayloadBytes, none.Mode));
        Assert.Equal(new Spread3(1, 1, 1), none.GoodputRatio);
        Assert.Equal(new Spread3(1, 1, 1), none.P99Ratio);
        Assert.Equal(2000, none.GoodputPerSec); // median, warm-up excluded
        Assert.Equal(4, none.P99Ms);
        Assert.Equal(1, none.P50Ms);
        Assert.Equal(400, none.CpuMicrosPerOp);
        Assert.Equal(4000, none.AllocBytesPerOp);

        var tls = cells[1];
        Assert.Equal("tls-like", tls.Preset);
        Assert.Equal(1800, tls.GoodputPerSec);
        Assert.Equal(0.5, tls.GoodputRatio.Min, 12);
        Assert.Equal(0.7, tls.GoodputRatio.Median, 12);
        Assert.Equal(0.9, tls.GoodputRatio.Max, 12);
        Assert.Equal(new Spread3(1, 2, 3), tls.P99Ratio);

        var transport = cells.Single(c => c is { Transport: BenchNames.OrleansTls, PayloadBytes: 1024 });
        Assert.Equal(new Spread3(0.5, 0.5, 0.5), transport.GoodputRatio);
    }

    [Fact]
    public void A_failed_run_or_baseline_gives_no_ratio_for_its_repetition()
    {
        var runs = new List<BenchRun>
        {
            Run("none", BenchNames.Plain, 1, 1000, 2),
            Run("none", BenchNames.Plain, 2, 1000, 2, error: "maxSecurityEvents: 3 security events"),
            Run("tls-like", BenchNames.Plain, 1, 800, 2),
            Run("tls-like", BenchNames.Plain, 2, 100, 2), // its baseline failed: not compared
            Run("none", BenchNames.OrleansTls, 1, 0, 0, error: "run completes: boom"),
        };

        var cells = BenchAggregation.Cells(Plan, runs);

        Assert.Equal(new Spread3(0.8, 0.8, 0.8), cells.Single(c => c.Preset == "tls-like").GoodputRatio);
        Assert.Equal(new Spread3(0, 0, 0), cells.Single(c => c.Transport == BenchNames.OrleansTls).GoodputRatio);
        Assert.Equal(1000, cells.Single(c => c is { Preset: "none", Transport: BenchNames.Plain }).GoodputPerSec);
    }

    [Fact]
    public void Zero_trust_target_is_judged_on_the_median_ratio_at_1_KiB_closed_loop()
    {
        BenchCell Cell(string preset, double median) => new(preset, BenchNames.Plain, 1024, BenchNames.Closed, 1, 1, 1, 1, 1, 1, 1,
            new Spread3(median - 0.1, median, median + 0.1), new Spread3(1, 1, 1));

        Assert.True(BenchTargets.Evaluate([Cell("none", 1), Cell("zero-trust", 0.92)])[0].Met);
        var missed = BenchTargets.Evaluate([Cell("none", 1), Cell("zero-trust", 0.71)])[0];
        Assert.False(missed.Met);
        Assert.Contains("median 0.71", missed.Detail);
        Assert.Null(BenchTargets.Evaluate([Cell("none", 1)])[0].Met);
        Assert.All(BenchTargets.Evaluate([Cell("none", 1)]), v => Assert.False(string.IsNullOrWhiteSpace(v.ToString())));
    }
}
