using Testbed.Attacks.Api;
using Testbed.Attacks.Faults;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;

namespace Testbed.Tests.Reports;

/// <summary>Hand-made results for the report tests: no cluster needed.</summary>
internal static class ReportSamples
{
    public const string Hostile = "<script>alert(1)</script>";

    /// <summary>A failing scenario with attacks, faults, detections, a timeline and a hostile counterexample.</summary>
    public static ScenarioResult Failing(string name = "replay-none", string? preset = null) => new()
    {
        Name = name,
        Description = "replay against no defenses & a drop fault",
        Seed = 42,
        Passed = false,
        Source = "/scenarios/suite/replay-none.yaml",
        Silos = 2,
        StartedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        DurationMs = 4500,
        GoodputPerSec = 420,
        LatencyMs = new LatencySummary(2.1, 4.5, 9.8, 31),
        Operations = new OperationCounts(1900, 1890, 4, 6, 3),
        Invariants =
        [
            new InvariantVerdict("money-conserved", "sum of balances is constant", true, []),
            new InvariantVerdict("at-most-once", "each order applied once", false, ["order o-1-7 debited twice " + Hostile, "order o-2-9 debited twice"]),
        ],
        Expectations =
        [
            new ExpectationResult("invariant money-conserved", true, "holds"),
            new ExpectationResult("invariant at-most-once", false, "order o-1-7 debited twice " + Hostile),
            new ExpectationResult("minGoodput", true, "420.0 ops/s (minimum 50)"),
        ],
        Preset = preset,
        Defenses = preset is null ? [] : ["replay", "sign"],
        SecurityEvents = new SecurityEventSummary(3, new Dictionary<string, IReadOnlyDictionary<string, long>> { ["replay"] = new Dictionary<string, long> { ["replay-nonce"] = 3 } }),
        Attacks =
        [
            new AttackResult("replay", "CAPEC-60", null, 100, 3000, 10, 7, 0, 0, 3, null, null, new Dictionary<string, double> { ["appliedTwice"] = 7 }, []),
            new AttackResult("spoof", "CAPEC-151", "T1078", 500, 2500, 12, 0, 12, 0, 0, 40, null, new Dictionary<string, double>(), [])
            {
                SlowHooks = [new SlowHook("observe", 12, 23.4), new SlowHook("intercept", 1, 6.125)],
            },
        ],
        Faults =
        [
            new FaultResult("drop", 1000, 2000, "all", 35, true, [], []) { SlowHooks = [new SlowHook("act", 2, 40)] },
            new FaultResult("kill", 2500, 4000, "silo:1", 1, true, [new FaultAction(0, "kill silo 1"), new FaultAction(500, "start replacement")], []),
        ],
        Detections = [new Detection(600, "sign", "bad-signature", "customer/1", "payments/0"), new Detection(1210, "sign", "bad-signature", "customer/2", "payments/1"),
            new Detection(1230, "replay", "replay-nonce", "payments/0", "account/3")],
        Wire = new WireSummary(4000, 3990, 1_200_000, 35, 0, 0, 0, 22),
        Timeline =
        [
            new TimelineBucket(0, 380, 1, 0, 1.9, 7.5), new TimelineBucket(1, 300, 2, 4, 2.4, 12.2), new TimelineBucket(2, 450, 0, 2, 2.0, 8.1),
            new TimelineBucket(3, 460, 1, 0, 2.1, 9.0), new TimelineBucket(4, 300, 0, 0, 2.2, 9.4),
        ],
    };

    /// <summary>A passing scenario with one detected attack under <paramref name="preset"/>.</summary>
    public static ScenarioResult Passing(string name, string preset, string attack = "replay") => Failing(name, preset) with
    {
        Passed = true,
        Invariants = [new InvariantVerdict("money-conserved", "sum of balances is constant", true, [])],
        Expectations = [new ExpectationResult("invariant money-conserved", true, "holds"), new ExpectationResult($"attack {attack} succeeded 0", true, "0")],
        Attacks = [new AttackResult(attack, "CAPEC-60", null, 100, 3000, 10, 0, 10, 0, 0, 12, null, new Dictionary<string, double>(), [])],
        Faults = [],
    };

    /// <summary>A run that crashed before its workload.</summary>
    public static ScenarioResult Crashed(string name) => Failing(name) with
    {
        Error = "SiloUnavailableException: the cluster did not start",
        Expectations = [new ExpectationResult("run completes", false, "the cluster did not start")],
        Invariants = [], Attacks = [], Faults = [], Detections = [], Timeline = [],
    };

    /// <summary>A bench with two presets, two payload sizes, two transports.</summary>
    public static BenchReport Bench() => new(
        "Cluster benchmark: defense presets",
        "testbed bench presets --payload 0 --payload 1024 --rounds 3",
        "Linux 6.1 (X64) · .NET 10.0.0",
        2,
        3,
        2000,
        [
            Cell("none", "plain", 0, 3000, 1, 1), Cell("tls-like", "plain", 0, 2100, 0.7, 1.6),
            Cell("none", "plain", 1024, 2800, 1, 1), Cell("tls-like", "plain", 1024, 1800, 0.64, 1.9),
            Cell("none", "orleans-tls", 1024, 2500, 0.89, 1.2), Cell("zero-trust " + Hostile, "plain", 1024, 1500, 0.54, 2.4),
        ],
        ["ratios are per repetition against none/plain", "note with " + Hostile]);

    private static BenchCell Cell(string preset, string transport, int payload, double goodput, double ratio, double p99Ratio) =>
        new(preset, transport, payload, "closed", goodput, 2.5 / ratio, 4, 8 * p99Ratio, 30, 180 / ratio, 9000 + payload, new Spread3(ratio * 0.95, ratio, ratio * 1.04),
            new Spread3(p99Ratio * 0.9, p99Ratio, p99Ratio * 1.2));
}
