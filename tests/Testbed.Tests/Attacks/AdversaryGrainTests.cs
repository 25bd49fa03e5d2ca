using System.Collections.Concurrent;
using System.Diagnostics;
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

    private static Scenario Parse(string name, string defenses, string attacks) => ScenarioLoader.Parse(
        $"name: {name}\nseed: 5\ncluster:\n  silos: 2\nworkload:\n  accounts: 8\n  duration: 2s\n  concurrency: 4\n" +
        $"defenses: [{defenses}]\nattacks:\n{attacks}expect:\n  invariants: all\n", $"{name}.yaml", TestbedCatalog.With(ResearcherAttacks.Catalog()));

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
        var faulty = Assert.Single(result.Attacks);
        // Each distinct error once, in the order it first happened; a hook's bug repeats on every message and is counted.
        Assert.Equal(4, faulty.Errors.Count);
        Assert.Contains("act: InvalidOperationException: act bug", faulty.Errors);
        Assert.Matches(@"^observe: InvalidOperationException: observe bug \(×\d+\)$", Assert.Single(faulty.Errors, e => e.StartsWith("observe", StringComparison.Ordinal)));
        Assert.Matches(@"^intercept: InvalidOperationException: intercept bug \(×\d+\)$", Assert.Single(faulty.Errors, e => e.StartsWith("intercept", StringComparison.Ordinal)));
        Assert.Equal("judge: InvalidOperationException: judge bug", faulty.Errors[^1]);
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
        await using var cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions
        {
            Silos = 2,
            Attacks = ResearcherAttacks.Catalog(),
            Payments = p => (p.Seed, p.Accounts, p.Customers) = (3, 4, 4),
        });
        var probe = cluster.Client.GetGrain<IAdversaryGrain>(AdversaryGrain.Key("direct", 0));
        var armed = await probe.Arm(new AdversarySpec("probe", new Dictionary<string, string> { ["count"] = "4", ["interval"] = "100ms" }, TimeSpan.Zero, TimeSpan.FromSeconds(30), 1));

        Assert.Equal(("probe", "adversary/direct-0", false), (armed.Kind, armed.Grain, armed.WindowOpen));
        Assert.Equal(armed.Silo, cluster.HostingSilo(GrainId.Parse(armed.Grain))); // the activation is there
        await Assert.ThrowsAsync<InvalidOperationException>(() => probe.Arm(new AdversarySpec("probe", NoOptions, TimeSpan.Zero, TimeSpan.FromSeconds(1), 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GetGrain<IAdversaryGrain>(AdversaryGrain.Key("direct", 9))
            .Arm(new AdversarySpec("probe", new Dictionary<string, string> { ["cuont"] = "1" }, TimeSpan.Zero, TimeSpan.FromSeconds(1), 1)));

        await probe.Open(DateTimeOffset.UtcNow);
        var watch = Stopwatch.StartNew();
        AdversaryStatus status;
        while ((status = await probe.Status()).Attempts < 4 && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            Assert.True(status.WindowOpen); // answered during the window
            await Task.Delay(20);
        }

        Assert.Equal(4, status.Attempts);
        // Addressed as if it were a principal, the adversary takes no delivery: it is not an envelope endpoint.
        var frame = EnvelopeCodec.Encode(new Envelope { Kind = EnvelopeKind.BalanceQuery, Sender = "customer/0", Recipient = armed.Grain });
        await Assert.ThrowsAsync<InvalidCastException>(() => cluster.Hooks.InjectAsync(armed.Grain, frame));
        await probe.Close();
        Assert.False((await probe.Status()).WindowOpen);
        var result = await probe.Conclude(NoTruth());
        Assert.Equal((4, 4, armed.Grain, armed.Silo), (result.Attempts, result.Blocked, result.Grain, result.Silo));

        var stubborn = cluster.Client.GetGrain<IAdversaryGrain>(AdversaryGrain.Key("direct", 1));
        await stubborn.Arm(new AdversarySpec("stubborn", NoOptions, TimeSpan.Zero, TimeSpan.FromMilliseconds(50), 2));
        await stubborn.Open(DateTimeOffset.UtcNow);
        watch.Restart();
        await stubborn.Close(); // its window closed at 50 ms; its actions never stop: closing gives up after the grace
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(9.5));
        var errors = (await stubborn.Conclude(NoTruth())).Errors;
        Stubborn.Release.TrySetResult();
        Assert.Equal(["act: TimeoutException: still running 5 s after its window closed; detached"], errors);
    }
}
