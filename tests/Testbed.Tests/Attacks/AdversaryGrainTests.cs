using System.Collections.Concurrent;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hosting;
using Testbed.Checking;
using Testbed.Envelopes;
using Testbed.Hosting.Cluster;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Testbed.Services.Payments;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Attacks;

/// <summary>Attacks run as adversary grains: armed, windowed and judged inside an activation on a silo of the run.</summary>
public sealed class AdversaryGrainTests
{
    private static readonly Dictionary<string, string> NoOptions = new(StringComparer.Ordinal);

    private static Scenario Parse(string name, string defenses, string attacks, string expect = "") => ScenarioLoader.Parse(
        $"name: {name}\nseed: 5\ncluster:\n  silos: 2\nworkload:\n  accounts: 8\n  duration: 2s\n  concurrency: 4\n" +
        $"defenses: [{defenses}]\nattacks:\n{attacks}expect:\n  invariants: all\n{expect}", $"{name}.yaml", TestbedCatalog.With(ResearcherAttacks.Catalog()));

    private static RunGroundTruth NoTruth() =>
        new(HistoryChecker.Check([], []), [], [], DateTimeOffset.UtcNow, [], new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal));

    [Fact]
    public async Task Each_attack_of_a_run_is_created_and_judged_in_its_own_grain_activation_on_a_silo_of_the_run()
    {
        var createdIn = new ConcurrentBag<string>();
        IReadOnlyList<string> silos = [];
        var scenario = Parse("in-grains", "none", "  - {kind: eavesdrop, start: 0s, stop: 30s}\n  - {kind: probe, start: 0s, stop: 30s}\n");
        var result = await ScenarioRunner.RunAsync(scenario, new RunOptions
        {
            Attacks = ResearcherAttacks.Catalog(() => createdIn.Add(TaskScheduler.Current.GetType().FullName!)),
            OnClusterStarted = cluster => silos = cluster.SiloNames,
        });

        Assert.Null(result.Error);
        Assert.Equal(["eavesdrop", "probe"], result.Attacks.Select(a => a.Kind));
        Assert.All(result.Attacks, a => Assert.Contains(a.Silo, silos));
        Assert.Equal(2, result.Attacks.Select(a => a.Grain).Distinct().Count());
        Assert.All(result.Attacks.Select((a, i) => (a, i)), x => Assert.Matches($"^adversary/[0-9a-f]{{12}}-{x.i}$", x.a.Grain));
        // The runner never holds the attack: the probe was made once, in a grain turn (on an activation's scheduler).
        Assert.Equal(["Orleans.Runtime.Scheduler.ActivationTaskScheduler"], createdIn);
        Assert.True(result.Attacks[0].Succeeded > 0, "the eavesdropper still reads orders in clear from its grain");
    }

    [Fact]
    public async Task A_researchers_attack_on_the_public_api_runs_in_a_grain_and_is_judged_on_the_runs_ground_truth()
    {
        const string probe = "  - {kind: probe, start: 100ms, stop: 30s, count: 6}\n";
        var none = await ScenarioRunner.RunAsync(Parse("probe-none", "none", probe), new RunOptions { Attacks = ResearcherAttacks.Catalog() });
        var signed = await ScenarioRunner.RunAsync(Parse("probe-signed", "signed", probe), new RunOptions { Attacks = ResearcherAttacks.Catalog() });

        var open = Assert.Single(none.Attacks);
        Assert.Empty(open.Errors);
        Assert.Equal(6, open.Attempts);
        Assert.Equal(6, open.Blocked); // the account answers a query without a password with a rejection, and records no event
        Assert.True(open.Details["ordersSeen"] > 0);
        // What the judge saw in the grain is the run's: its history, check report, final state and customers.
        Assert.Equal(none.Operations.Ok, open.Details["okInHistory"]);
        Assert.Equal(none.Invariants.Count(i => i.Holds), open.Details["invariantsHolding"]);
        Assert.Equal(8, open.Details["accounts"]);
        Assert.Equal(8, open.Details["customers"]);

        var defended = Assert.Single(signed.Attacks);
        Assert.Equal(6, defended.Detected); // security events travel to the grain and match its attempts
        Assert.NotNull(defended.MttdMs);
        Assert.True(signed.SecurityEvents.ByLayer["sign"].Values.Sum() >= 6);
    }

    [Fact]
    public async Task Exceptions_in_attack_code_on_the_silo_are_recorded_in_the_result_and_the_run_completes()
    {
        var result = await ScenarioRunner.RunAsync(Parse("faulty", "none", "  - {kind: faulty, start: 0s, stop: 30s}\n"),
            new RunOptions { Attacks = ResearcherAttacks.Catalog() });

        Assert.Null(result.Error);
        Assert.True(result.Operations.Ok > 0);
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name)); // a throwing interceptor passes the message
        Assert.False(result.Passed); // errors in attack code fail the run
        Assert.Contains(result.Expectations, e => !e.Passed && e.Name.StartsWith("attack faulty errors", StringComparison.Ordinal) && e.Name.EndsWith("(implied)", StringComparison.Ordinal));
        var faulty = Assert.Single(result.Attacks);
        // Each distinct error once, in the order it first happened; a hook's bug repeats on every message and is counted.
        Assert.Equal(4, faulty.Errors.Count);
        Assert.Contains("act: InvalidOperationException: act bug", faulty.Errors);
        Assert.Matches(@"^observe: InvalidOperationException: observe bug \(×\d+\)$", Assert.Single(faulty.Errors, e => e.StartsWith("observe", StringComparison.Ordinal)));
        Assert.Matches(@"^intercept: InvalidOperationException: intercept bug \(×\d+\)$", Assert.Single(faulty.Errors, e => e.StartsWith("intercept", StringComparison.Ordinal)));
        Assert.Equal("judge: InvalidOperationException: judge bug", faulty.Errors[^1]);
    }

    [Fact]
    public async Task A_hook_that_blocks_the_wire_is_reported_from_the_grain_into_result_json_and_does_not_fail_the_run()
    {
        var result = await ScenarioRunner.RunAsync(Parse("sluggish", "none", "  - {kind: sluggish, start: 0s, stop: 30s, slow: 4}\n",
            "  attacks:\n    sluggish: {attempts: \"0\"}\n"), // it only listens
            new RunOptions { Attacks = ResearcherAttacks.Catalog() });

        Assert.Null(result.Error);
        Assert.True(result.Passed, string.Join("; ", result.Expectations.Where(e => !e.Passed).Select(e => $"{e.Name}: {e.Detail}")));
        var sluggish = Assert.Single(result.Attacks);
        Assert.Empty(sluggish.Errors);
        var observe = Assert.Single(sluggish.SlowHooks); // crossed from the adversary grain to the runner
        Assert.Equal("observe", observe.Hook);
        Assert.True(observe.Count >= 4, $"{observe.Count} slow calls"); // the four sleeps, and any other call a busy machine slowed
        Assert.True(observe.WorstMs >= 20, $"worst {observe.WorstMs} ms");

        var dir = Directory.CreateTempSubdirectory("testbed-slow-hooks-").FullName;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(ResultWriter.Write(result, dir), "result.json")));
            var written = Assert.Single(json.RootElement.GetProperty("attacks").EnumerateArray()).GetProperty("slowHooks")[0];
            Assert.Equal("observe", written.GetProperty("hook").GetString());
            Assert.Equal(observe.Count, written.GetProperty("count").GetInt64());
            Assert.Equal(observe.WorstMs, written.GetProperty("worstMs").GetDouble());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_researchers_attack_options_are_checked_when_the_scenario_loads()
    {
        var ex = Assert.Throws<ScenarioException>(() => Parse("bad-probe", "none", "  - {kind: probe, start: 0s, stop: 1s, count: 0}\n"));

        var error = Assert.Single(ex.Errors);
        Assert.Contains("attacks[0] (probe): option 'count' must be an integer in 1..100, found '0'", error.Message, StringComparison.Ordinal);
        Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(
            "name: x\nseed: 1\nattacks:\n  - {kind: probe, start: 0s, stop: 1s}\n", "x.yaml", TestbedCatalog.Default)); // not a built-in kind
    }

    [Fact]
    public async Task The_grain_answers_while_its_window_runs_is_no_wire_endpoint_and_bounds_an_attack_that_will_not_stop()
    {
        Assert.False(typeof(IEnvelopeEndpoint).IsAssignableFrom(typeof(AdversaryGrain)));
        // The run's clock is fake: the probe's pauses and the grace for a stubborn attack pass only when the test moves it.
        var clock = new SteppedClock();
        var interval = TimeSpan.FromMilliseconds(100);
        var grace = TimeSpan.FromSeconds(5);
        await using var cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions
        {
            Silos = 2,
            Attacks = ResearcherAttacks.Catalog(),
            Payments = p => (p.Seed, p.Accounts, p.Customers) = (3, 4, 4),
            Time = clock,
        });
        var probe = cluster.Client.GetGrain<IAdversaryGrain>(AdversaryGrain.Key("direct", 0));
        var armed = await probe.Arm(new AdversarySpec("probe", new Dictionary<string, string> { ["count"] = "4", ["interval"] = "100ms" }, TimeSpan.Zero, TimeSpan.FromSeconds(30), 1));

        Assert.Equal(("probe", "adversary/direct-0", false), (armed.Kind, armed.Grain, armed.WindowOpen));
        Assert.Equal(armed.Silo, cluster.HostingSilo(GrainId.Parse(armed.Grain))); // the activation is there
        await Assert.ThrowsAsync<InvalidOperationException>(() => probe.Arm(new AdversarySpec("probe", NoOptions, TimeSpan.Zero, TimeSpan.FromSeconds(1), 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GetGrain<IAdversaryGrain>(AdversaryGrain.Key("direct", 9))
            .Arm(new AdversarySpec("probe", new Dictionary<string, string> { ["cuont"] = "1" }, TimeSpan.Zero, TimeSpan.FromSeconds(1), 1)));

        await probe.Open(clock.GetUtcNow());
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            // The probe injects, records the attempt, then pauses on the run's clock: the grain answers during that pause.
            await clock.WaitForTimersAsync(interval, attempt);
            var status = await probe.Status();
            Assert.Equal((true, attempt), (status.WindowOpen, status.Attempts));
            clock.Advance(interval);
        }

        // Addressed as if it were a principal, the adversary takes no delivery: it is not an envelope endpoint.
        var frame = EnvelopeCodec.Encode(new Envelope { Kind = EnvelopeKind.BalanceQuery, Sender = "customer/0", Recipient = armed.Grain });
        await Assert.ThrowsAsync<InvalidCastException>(() => cluster.Hooks.InjectAsync(armed.Grain, frame));
        await probe.Close();
        Assert.False((await probe.Status()).WindowOpen);
        var result = await probe.Conclude(NoTruth());
        Assert.Equal((4, 4, armed.Grain, armed.Silo), (result.Attempts, result.Blocked, result.Grain, result.Silo));
        Assert.Empty(result.Errors); // it stopped when its window closed: no grace was needed

        var stubborn = cluster.Client.GetGrain<IAdversaryGrain>(AdversaryGrain.Key("direct", 1));
        await stubborn.Arm(new AdversarySpec("stubborn", NoOptions, TimeSpan.Zero, TimeSpan.FromMilliseconds(50), 2));
        await stubborn.Open(clock.GetUtcNow());
        var gracesBefore = clock.Count(grace);
        var closing = stubborn.Close(); // its actions never stop: closing waits the grace on the run's clock, then gives up
        await clock.WaitForTimersAsync(grace, gracesBefore + 1, closing);
        Assert.False(closing.IsCompleted, "closing a stubborn attack returned before its grace ran out");
        clock.Advance(grace - TimeSpan.FromMilliseconds(1));
        Assert.False(closing.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await closing.WaitAsync(SteppedClock.Patience);
        var errors = (await stubborn.Conclude(NoTruth())).Errors;
        Stubborn.Release.TrySetResult();
        Assert.Equal(["act: TimeoutException: still running 5 s after its window closed; detached"], errors);
    }
}
