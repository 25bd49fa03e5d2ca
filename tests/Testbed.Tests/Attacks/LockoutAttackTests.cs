using Testbed.Attacks.Api;
using Testbed.Checking;
using Testbed.Attacks.Hooks;
using Testbed.Defenses;
using Testbed.Envelopes;
using Testbed.History;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Attacks;

/// <summary>
/// The lockout attack: a whole run against zero-trust's rate limiter (as tuned in the suite's cell), and its judge on
/// made-up histories. Runs in the attack matrix's collection: its verdict compares goodput inside and outside the window.
/// </summary>
[Collection(AttackMatrixTests.Name)]
public sealed class LockoutAttackTests
{
    private const string Yaml = "name: lockout\nseed: 153\ncluster:\n  silos: 2\nworkload: {accounts: 8, duration: 3s, mode: open, rate: 100}\n" +
        "defenses: [zero-trust, {name: ratelimit, rate: 200, burst: 100, strikes: 5}]\n" +
        "attacks:\n  - {kind: lockout, start: 1s, stop: 2s, victim: payments/0}\nexpect:\n  invariants: all\n";

    [Fact]
    public async Task Junk_claiming_payments_0_gets_the_forger_s_sources_blocked_and_never_the_real_payments_0()
    {
        SecurityEventLog? events = null;
        var result = await ScenarioRunner.RunAsync(ScenarioLoader.Parse(Yaml, "lockout.yaml", TestbedCatalog.Default),
            new RunOptions { OnClusterStarted = cluster => events = cluster.Events });

        var lockout = Assert.Single(result.Attacks);
        Assert.Equal(("lockout", "CAPEC-2", "T1531"), (lockout.Kind, lockout.Capec, lockout.Mitre));
        Assert.Empty(lockout.Errors);
        Assert.True(lockout.Attempts > 0 && lockout.Attempts == lockout.Details["injected"]);
        Assert.Equal(0, lockout.Details["blocksSeen"]); // no refusal ever said payments/0 was blocked
        Assert.Equal(0, lockout.Succeeded);
        Assert.True(lockout.Detected > 0);
        Assert.NotNull(lockout.ContainmentMs); // the sources that carried the junk were blocked

        // Every rejection names where the frame came from: the injecting silo's hosted client (the adversary runs outside any
        // grain), never the principal the junk claimed.
        var rejected = events!.Events.Where(e => e.ClaimedSender == "payments/0").ToArray();
        Assert.NotEmpty(rejected);
        Assert.All(rejected, e => Assert.StartsWith("sys.client/hosted-", e.Source, StringComparison.Ordinal));
        Assert.Contains(rejected, e => e.Reason == "source-blocked");
        Assert.DoesNotContain(events.Events, e => e.Reason == "sender-blocked");
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name));
    }

    [Fact]
    public async Task A_service_s_own_traffic_comes_from_its_own_principal_and_is_limited_there()
    {
        // No attack, a limit far below what the closed loop sends: the services themselves are refused, each at its own origin.
        SecurityEventLog? events = null;
        var yaml = "name: own-origin\nseed: 3\ncluster:\n  silos: 2\nworkload: {accounts: 8, duration: 1s, concurrency: 4}\n" +
            "defenses: [zero-trust, {name: ratelimit, rate: 20, burst: 10, strikes: 3}]\nexpect:\n  invariants: all\n";
        await ScenarioRunner.RunAsync(ScenarioLoader.Parse(yaml, "own-origin.yaml", TestbedCatalog.Default),
            new RunOptions { OnClusterStarted = cluster => events = cluster.Events });

        var limited = events!.Events.Where(e => e.Layer == "ratelimit").ToArray();
        Assert.NotEmpty(limited);
        Assert.All(limited, e => Assert.Equal(e.ClaimedSender, e.Source));
    }

    [Theory]
    [InlineData(true, false, true)] // the victim's customers starve while everyone else is served: a lockout
    [InlineData(true, true, false)] // everyone starves: a general slowdown, not a lockout
    [InlineData(false, false, false)]
    public async Task Judge_succeeds_only_when_the_victim_alone_loses_goodput_in_the_window(bool victimStarved, bool othersStarved, bool succeeded)
    {
        // It has seen payments/0 debit account/0; a wire with no silo refuses every injection (never saying "blocked"). The
        // window opens 300 ms after the runtime starts, for 200 ms.
        var (attack, options) = AttackCatalog.Builtin.Create("lockout", new Dictionary<string, string> { ["victim"] = "payments/0", ["burst"] = "20" });
        var debit = new Envelope { Kind = EnvelopeKind.Debit, Sender = "payments/0", Recipient = "account/0", Payload = new byte[] { 1 } };
        var runtime = new AdversaryRuntime(attack, options, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(500), new WireHooks(), 1, TimeProvider.System);
        attack.OnObserved(new ObservedEnvelope(WireDirection.Request, EnvelopeCodec.Encode(debit), debit, false, "silo-0", 0), runtime.Context);
        await runtime.RunAsync(CancellationToken.None);
        var stop = (long)((runtime.Context.ClosedAt!.Value - runtime.Context.OpenedAt!.Value).TotalMicroseconds + 300_000);

        // customer/0 (served by payments/0) and customer/1 (by payments/1) each order every 2 ms, for as long before the
        // window as after it; a starved customer completes nothing within 50 ms of the window.
        var ops = new List<HistoryOp>();
        for (long t = 0; t < stop + 300_000; t += 2_000)
        {
            foreach (var (customer, starved) in new[] { (0, victimStarved), (1, othersStarved) })
            {
                if (!starved || t + 1_000 < 250_000 || t > stop + 50_000)
                {
                    ops.Add(Order(ops.Count, customer, OpType.Invoke, t));
                    ops.Add(Order(ops.Count, customer, OpType.Ok, t + 1_000));
                }
            }
        }

        var result = runtime.Conclude(new AttackJudgement(runtime.Context.Attempts.All, runtime.Context.Knowledge, HistoryChecker.Check(ops, []), ops, [], [],
            runtime.Context.OpenedAt.Value.AddMilliseconds(-300)), [], _ => null);
        Assert.True(result.Attempts > 0);
        Assert.Equal(0, result.Details["blocksSeen"]);
        Assert.InRange(result.Details["victimRatio"], victimStarved ? 0 : 0.9, victimStarved ? 0 : 1.1);
        Assert.InRange(result.Details["othersRatio"], othersStarved ? 0 : 0.9, othersStarved ? 0 : 1.1);
        Assert.Equal(succeeded ? result.Attempts : 0, result.Succeeded);
    }

    [Theory]
    [InlineData("victim: account/1", "option 'victim' must be a payment shard or a customer such as payments/0 or customer/3, found 'account/1'")]
    [InlineData("rate: 0", "option 'rate' must be a number in 1..1000000, found '0'")]
    [InlineData("count: 5", "unknown option 'count'")]
    public void Bad_options_are_rejected_by_the_scenario_loader_at_the_attack(string option, string message)
    {
        var yaml = Yaml.Replace("victim: payments/0", option, StringComparison.Ordinal);
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(yaml, "lockout.yaml", TestbedCatalog.Default));

        Assert.Contains($"attacks[0] (lockout): {message}", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    private static HistoryOp Order(int index, int customer, OpType type, long micros) => new()
    {
        Index = index, Process = customer, Type = type, Function = OpFunction.Transfer, TimeMicros = micros,
        Transfer = new TransferOrder($"o-{index}", $"account/{customer}", $"account/{1 - customer}", 1, $"customer/{customer}"),
    };
}
