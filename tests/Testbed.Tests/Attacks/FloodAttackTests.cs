using Testbed.Attacks.Api;
using Testbed.Checking;
using Testbed.Defenses.Replay;
using Testbed.History;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Attacks;

/// <summary>The flood attack: whole runs (3 s on 2 silos, the flood from 1 s to 2 s), and its judge on a made-up history.</summary>
public sealed class FloodAttackTests
{
    private const string ClosedLoop = "{mode: closed, concurrency: 4}";

    private static string Yaml(string defenses, string flood, string load = ClosedLoop) =>
        $"name: flood\nseed: 7\ncluster:\n  silos: 2\nworkload: {load[..^1]}, accounts: 8, customers: 8, duration: 3s}}\n" +
        $"defenses: {defenses}\nattacks:\n  - {{kind: flood, start: 1s, stop: 2s, {flood}}}\nexpect:\n  invariants: all\n";

    private static Task<ScenarioResult> RunAsync(string defenses, string flood, string load = ClosedLoop) =>
        ScenarioRunner.RunAsync(ScenarioLoader.Parse(Yaml(defenses, flood, load), "flood.yaml", TestbedCatalog.Default));

    private static void AssertFloodFigures(AttackResult flood)
    {
        Assert.Empty(flood.Errors);
        Assert.True(flood.Attempts > 0);
        Assert.Equal(flood.Attempts, flood.Details["injected"]);
        Assert.True(flood.Details["droppedSends"] >= 0 && flood.Details["cpuMicrosPerInjected"] >= 0);
        foreach (var key in new[] { "goodputBefore", "goodputDuring", "ratio", "p99BeforeMs", "p99DuringMs", "p50BeforeMs", "p50DuringMs", "p50AfterMs", "p50BaselineMs", "windowStartMs", "windowStopMs" })
        {
            Assert.True(flood.Details.ContainsKey(key), key);
        }

        Assert.True(flood.Details["goodputBefore"] > 0, "the workload completed operations outside the window");
        Assert.True(flood.Details["windowStartMs"] >= 950); // placed on the workload's clock: 1 s plus timer slack (unbounded under load)
        Assert.True(flood.Details["windowStopMs"] > flood.Details["windowStartMs"]);
        // The verdict follows the documented rule, whichever way this run went.
        var rule = flood.Details["goodputDuring"] < 0.5 * flood.Details["goodputBefore"]
            || (flood.Details["p99BeforeMs"] > 0 && flood.Details["p99DuringMs"] > 3 * flood.Details["p99BeforeMs"])
            || (flood.Details["p50BaselineMs"] > 0 && flood.Details["p50DuringMs"] > 10 * flood.Details["p50BaselineMs"]);
        Assert.Equal(rule ? flood.Attempts : 0, flood.Succeeded);
    }

    [Fact]
    public async Task Junk_flood_from_one_source_is_contained_by_the_rate_limiter_of_zero_trust()
    {
        // zero-trust's own limiter (20000/s, burst 4000 per sender) would admit a 1 s flood at 800/s, so it is tuned down to
        // 200/s; the workload is an open loop at 100 ops/s so that no legitimate sender (payments/k: ~80/s) comes near that.
        var result = await RunAsync("[zero-trust, {name: ratelimit, rate: 200, burst: 100, strikes: 5}]", "rate: 800, payload: junk, sources: one",
            "{mode: open, rate: 100}");

        var flood = Assert.Single(result.Attacks);
        Assert.Equal(("flood", "CAPEC-125", "T1499"), (flood.Kind, flood.Capec, flood.Mitre));
        AssertFloodFigures(flood);
        Assert.NotNull(flood.ContainmentMs);
        Assert.True(result.SecurityEvents!.ByLayer.TryGetValue("ratelimit", out var byReason) && byReason.Values.Sum() > 0);
        Assert.NotNull(flood.MttdMs); // attempts matched to security events (whatever the goodput verdict)
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name));
    }

    [Fact]
    public async Task Junk_flood_without_defenses_is_counted_and_refused_by_strict_decoding()
    {
        var result = await RunAsync("[none]", "rate: 400, payload: junk, sources: many, maxInFlight: 64");

        var flood = Assert.Single(result.Attacks);
        AssertFloodFigures(flood);
        Assert.Null(flood.ContainmentMs);
        Assert.Equal(0, flood.Detected);
        Assert.Equal(flood.Attempts, flood.Succeeded + flood.Blocked); // every junk order came back rejected ("bad order")
        Assert.True(result.Wire.Injected >= flood.Attempts);
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name));
    }

    [Fact]
    public async Task Forged_hellos_each_cost_a_signature_check_under_tls_like_and_stop_at_admission_under_a_tuned_zero_trust()
    {
        // tls-like has no admission control: every forged hello parses, names customer/0's certified key and is refused only
        // once its junk signature failed to verify (one bad-transcript per hello). A tuned limiter (the suite's cell) blocks
        // the injecting sources, after which hellos never reach the session layer: each is one event, of one layer or the other.
        var tls = await RunAsync("[tls-like]", "rate: 300, payload: hello", "{mode: open, rate: 100}");
        var zeroTrust = await RunAsync("[zero-trust, {name: ratelimit, rate: 200, burst: 100, strikes: 5}]", "rate: 2000, payload: hello", "{mode: open, rate: 100}");

        var flood = Assert.Single(tls.Attacks);
        Assert.Equal("hello", flood.Variant);
        AssertFloodFigures(flood);
        Assert.Null(flood.ContainmentMs);
        Assert.Equal(flood.Attempts, tls.SecurityEvents.ByLayer["session"]["bad-transcript"]);
        Assert.Equal(flood.Attempts, tls.SecurityEvents.Total);

        var held = Assert.Single(zeroTrust.Attacks);
        AssertFloodFigures(held);
        Assert.NotNull(held.ContainmentMs);
        var limiter = zeroTrust.SecurityEvents.ByLayer["ratelimit"];
        var verified = zeroTrust.SecurityEvents.ByLayer["session"].GetValueOrDefault("bad-transcript");
        Assert.True(limiter["source-blocked"] > verified, $"{limiter["source-blocked"]} blocked, {verified} verified");
        Assert.Equal(held.Attempts, limiter.Values.Sum() + verified);
        Assert.All(tls.Invariants.Concat(zeroTrust.Invariants), i => Assert.True(i.Holds, i.Name));
    }

    [Theory]
    [InlineData("payload: garbage", "option 'payload' must be one of junk, valid, replayed, signed, hello, found 'garbage'")]
    [InlineData("p50Factor: 0.5", "option 'p50Factor' must be a number in 1..1000, found '0.5'")]
    [InlineData("keyVersion: 7", "option 'keyVersion' must be one of none, random, found '7'")]
    [InlineData("maxCollateral: -2", "option 'maxCollateral' must be an integer in -1..")]
    [InlineData("rate: 0", "option 'rate' must be a number in 1..1000000, found '0'")]
    [InlineData("goodputThreshold: 2", "option 'goodputThreshold' must be a number in 0..1, found '2'")]
    [InlineData("sources: all", "option 'sources' must be one of one, many, found 'all'")]
    [InlineData("burst: 5", "unknown option 'burst'")]
    public void Bad_options_are_rejected_by_the_scenario_loader_at_their_key(string option, string message)
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(Yaml("[none]", option), "flood.yaml", TestbedCatalog.Default));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("flood.yaml", 8, 40), (error.File, error.Line, error.Column)); // at the option's key
        Assert.Contains($"attacks[0] (flood): {message}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stolen_key_flood_uses_up_only_its_own_nonce_quota()
    {
        // The shipped cell: valid orders signed with customer/0's key, each with a fresh nonce, into nonce caches of 1000
        // (quota 250 per sender). Without the quota the flood filled them: 114–520 messages of 12–15 innocent senders were
        // refused (replay-cache-full) and 78–107 orders of the other customers failed or were left indeterminate per run.
        var file = Path.Combine(AppContext.BaseDirectory, "scenarios", "suite", "54-attack-flood-stolen-key-signed.yaml");
        var result = await ScenarioRunner.RunAsync(ScenarioLoader.LoadFile(file, TestbedCatalog.Default));

        var flood = Assert.Single(result.Attacks);
        Assert.Empty(flood.Errors);
        Assert.True(flood.Attempts > 0);
        // What was refused, by whom and whose (the first detections listed): a failure says which sender paid for the flood.
        var refused = string.Join("; ", result.Detections.GroupBy(d => (d.Layer, d.Reason, d.ClaimedSender, d.Recipient))
            .OrderByDescending(g => g.Count()).Take(12).Select(g => $"{g.Key.Layer}/{g.Key.Reason} {g.Key.ClaimedSender} → {g.Key.Recipient}: {g.Count()} ({g.Min(d => d.AtMs):0}–{g.Max(d => d.AtMs):0} ms)"));
        var why = $"{refused}; events {result.SecurityEvents.Total}, attempts {flood.Attempts}, ok {result.Operations.Ok}, details {string.Join(", ", flood.Details.Select(kv => $"{kv.Key} {kv.Value:0.#}"))}";
        Assert.True(flood.Details["collateralRefusals"] == 0, why);
        Assert.True(flood.Succeeded == 0, why);
        Assert.True(flood.Detected > 0, why);
        var replay = result.Detections.Where(d => d.Layer == "replay").ToArray();
        Assert.NotEmpty(replay);
        Assert.All(replay, d => Assert.Equal((ReplayReasons.Quota, "customer/0"), (d.Reason, d.ClaimedSender)));
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Judge_marks_every_attempt_succeeded_exactly_when_goodput_in_the_window_collapses(bool starved)
    {
        // A wire with no silo refuses every injection; the window opens 300 ms after the runtime starts, for 200 ms.
        var (attack, options) = AttackCatalog.Builtin.Create("flood", new Dictionary<string, string> { ["rate"] = "200" });
        var runtime = new AdversaryRuntime(attack, options, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(500), new WireHooks(), 1, TimeProvider.System);
        await runtime.RunAsync(CancellationToken.None);
        AttackResult Conclude(List<HistoryOp> ops) => runtime.Conclude(
            new AttackJudgement(runtime.Context.Attempts.All, runtime.Context.Knowledge, HistoryChecker.Check(ops, []), ops, [], [],
                runtime.Context.OpenedAt!.Value.AddMilliseconds(-300)), [], _ => null); // history clock: the window opened at 300 ms

        // Where the judge placed the window on the workload's clock (a history long enough not to clip it).
        var placed = Conclude([Read(0, OpType.Invoke, 10_000_000), Read(0, OpType.Ok, 10_000_001)]).Details;
        var (start, stop) = ((long)(placed["windowStartMs"] * 1000), (long)(placed["windowStopMs"] * 1000));
        // The judge places the window from the times the runtime recorded, on the clock the judgement names.
        Assert.Equal(300_000, start);
        Assert.True(stop > start, $"window {start}..{stop} µs");

        // One client, a 1 ms read every 2 ms, for as long before the window as after it; starved: none within 50 ms of it.
        var ops = new List<HistoryOp>();
        for (long t = 0; t < stop + start; t += 2_000)
        {
            if (!starved || t + 1_000 < start - 50_000 || t > stop + 50_000)
            {
                ops.Add(Read(ops.Count, OpType.Invoke, t));
                ops.Add(Read(ops.Count, OpType.Ok, t + 1_000));
            }
        }

        var result = Conclude(ops);
        Assert.True(result.Attempts > 0);
        Assert.Equal(result.Attempts, result.Details["injected"]);
        Assert.InRange(result.Details["goodputBefore"], starved ? 300 : 450, 550);
        Assert.InRange(result.Details["goodputDuring"], starved ? 0 : 450, starved ? 0 : 550);
        Assert.Equal(starved ? result.Attempts : 0, result.Succeeded);
        Assert.Equal(starved ? 0 : result.Attempts, result.Blocked);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public async Task Judge_counts_refusals_of_senders_the_flood_never_claimed_as_collateral(int maxCollateral, bool succeeds)
    {
        var (attack, options) = AttackCatalog.Builtin.Create("flood", new Dictionary<string, string>
        {
            ["rate"] = "200", ["maxCollateral"] = maxCollateral.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var runtime = new AdversaryRuntime(attack, options, TimeSpan.Zero, TimeSpan.FromMilliseconds(100), new WireHooks(), 1, TimeProvider.System);
        await runtime.RunAsync(CancellationToken.None);
        var (opened, closed) = (runtime.Context.OpenedAt!.Value, runtime.Context.ClosedAt!.Value);
        Testbed.Defenses.SecurityEvent Event(DateTimeOffset at, string sender) => new(at, "replay", "replay-cache-full", sender, "payments/0", Testbed.Envelopes.EnvelopeKind.Order);
        Testbed.Defenses.SecurityEvent[] events =
        [
            Event(opened.AddMilliseconds(10), "customer/0"), // the sender the flood claims: its own refusal
            Event(opened.AddMilliseconds(20), "customer/5"), // collateral
            Event(opened.AddMilliseconds(-10), "customer/6"), // before the window
            Event(closed.AddMilliseconds(1_100), "customer/7"), // more than 1 s after it
        ];
        var ops = new List<HistoryOp> { Read(0, OpType.Invoke, 0), Read(1, OpType.Ok, 1_000) };
        var result = runtime.Conclude(new AttackJudgement(runtime.Context.Attempts.All, runtime.Context.Knowledge, HistoryChecker.Check(ops, []), ops, [], [], opened), events, _ => null);

        Assert.True(result.Attempts > 0);
        Assert.Equal(1, result.Details["collateralRefusals"]);
        Assert.Equal(succeeds ? result.Attempts : 0, result.Succeeded);
    }

    [Theory]
    [InlineData("steady", false)]
    [InlineData("stall", false)] // one op in twenty waits 500 ms: the tail moves, the median does not
    [InlineData("backlog", true)] // every op in the window waits 50 ms from its intended start, its invocation sent late
    [InlineData("cold-start-then-backlog", true)] // a slow first contact before the window does not hide the backlog
    public async Task Judge_marks_a_backlog_by_the_median_latency_from_intended_starts(string shape, bool succeeds)
    {
        var (attack, options) = AttackCatalog.Builtin.Create("flood", new Dictionary<string, string>
        {
            ["rate"] = "200", ["goodputThreshold"] = "0", ["p99Factor"] = "1000", ["p50Factor"] = "10",
        });
        var runtime = new AdversaryRuntime(attack, options, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(500), new WireHooks(), 1, TimeProvider.System);
        await runtime.RunAsync(CancellationToken.None);
        AttackResult Conclude(List<HistoryOp> ops) => runtime.Conclude(
            new AttackJudgement(runtime.Context.Attempts.All, runtime.Context.Knowledge, HistoryChecker.Check(ops, []), ops, [], [],
                runtime.Context.OpenedAt!.Value.AddMilliseconds(-300)), [], _ => null);
        var placed = Conclude([Read(0, OpType.Invoke, 10_000_000), Read(1, OpType.Ok, 10_000_001)]).Details;
        var (start, stop) = ((long)(placed["windowStartMs"] * 1000), (long)(placed["windowStopMs"] * 1000));

        // An open loop: an op intended every 2 ms (each its own process), 1 ms each, for as long after the window as before it.
        var ops = new List<HistoryOp>();
        for (long t = 0, n = 0; t < stop + start; t += 2_000, n++)
        {
            var inside = t >= start && t <= stop;
            var latency = (shape, inside) switch
            {
                ("stall", true) when n % 20 == 0 => 500_000,
                ("backlog" or "cold-start-then-backlog", true) => 50_000,
                ("cold-start-then-backlog", false) when t < start => 100_000,
                _ => 1_000,
            };
            var invoked = latency == 50_000 ? t + latency - 1_000 : t; // a client behind its schedule sends late
            ops.Add(Read(ops.Count, OpType.Invoke, invoked) with { Process = (int)n, IntendedMicros = t });
            ops.Add(Read(ops.Count, OpType.Ok, t + latency) with { Process = (int)n });
        }

        var result = Conclude(ops);
        Assert.Equal(succeeds ? result.Attempts : 0, result.Succeeded);
        Assert.Equal(1, result.Details["p50BaselineMs"], 3); // the after side: the cold start is not the baseline
        Assert.Equal(succeeds ? 50 : 1, result.Details["p50DuringMs"], 3);
        Assert.Equal(shape == "cold-start-then-backlog" ? 100 : 1, result.Details["p50BeforeMs"], 3);
    }

    private static HistoryOp Read(int index, OpType type, long micros) =>
        new() { Index = index, Type = type, Function = OpFunction.Read, Account = "account/0", TimeMicros = micros, Balance = type == OpType.Ok ? 0 : null };
}
