using Testbed.Attacks.Faults.Wire;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Faults;

public sealed class WireFaultTests
{
    private static Dictionary<string, string> Options(params (string Key, string Value)[] options) => options.ToDictionary(o => o.Key, o => o.Value);

    [Theory]
    [InlineData(0.1, 1)]
    [InlineData(0.3, 2)]
    [InlineData(0.75, 3)]
    public async Task Drop_rate_is_within_five_standard_deviations_of_the_probability(double p, int seed)
    {
        await using var harness = new FaultHarness("drop", Options(("probability", p.ToString(System.Globalization.CultureInfo.InvariantCulture))), seed);
        const int n = 20_000;
        var dropped = Enumerable.Range(0, n).Count(_ => harness.Decide(FaultHarness.Request("customer/1", "payments/0")).Action == InterceptAction.Drop);

        var sd = Math.Sqrt(n * p * (1 - p));
        Assert.InRange(dropped, (n * p) - (5 * sd), (n * p) + (5 * sd));
        Assert.Equal(dropped, harness.Context.Injected);
    }

    [Fact]
    public async Task A_fault_whose_code_throws_on_a_message_records_the_error_and_lets_the_message_pass()
    {
        var broken = new Broken();
        broken.Configure(new Testbed.Attacks.Api.AttackOptions(new Dictionary<string, string>()));
        await using var harness = new FaultHarness(broken);

        var decisions = new[] { harness.Decide(FaultHarness.Request("customer/1", "payments/0")), harness.Decide(FaultHarness.Request("customer/2", "payments/0")) };

        Assert.All(decisions, d => Assert.Equal(InterceptAction.Pass, d.Action));
        Assert.Equal(["act: InvalidOperationException: broken on purpose"], harness.Context.Errors); // each distinct error once
    }

    /// <summary>A wire fault whose act is broken: it throws synchronously on every message it picks.</summary>
    private sealed class Broken : WireFault
    {
        public override string Kind => "broken";

        protected override ValueTask<InterceptDecision> ActAsync(WireMessage message, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("broken on purpose");
    }

    [Fact]
    public async Task Same_seed_drops_the_same_messages()
    {
        static async Task<string> Pattern(int seed)
        {
            await using var harness = new FaultHarness("drop", Options(("probability", "0.5")), seed);
            return string.Concat(Enumerable.Range(0, 200).Select(_ => harness.Decide(FaultHarness.Request("customer/1", "payments/0")).Action == InterceptAction.Drop ? '1' : '0'));
        }

        Assert.Equal(await Pattern(9), await Pattern(9));
        Assert.NotEqual(await Pattern(9), await Pattern(10));
    }

    [Fact]
    public async Task Correlation_makes_losses_come_in_longer_bursts_at_the_same_rate()
    {
        static async Task<(double Burst, double Rate)> Measure(string correlation)
        {
            await using var harness = new FaultHarness("drop", Options(("probability", "0.3"), ("correlation", correlation)), 4);
            var pattern = string.Concat(Enumerable.Range(0, 20_000).Select(_ => harness.Decide(FaultHarness.Request("customer/1", "payments/0")).Action == InterceptAction.Drop ? '1' : '0'));
            var bursts = pattern.Split('0', StringSplitOptions.RemoveEmptyEntries);
            return (bursts.Average(b => b.Length), pattern.Count(c => c == '1') / (double)pattern.Length);
        }

        var independent = await Measure("0");
        var correlated = await Measure("0.8");
        Assert.True(correlated.Burst > 2.5 * independent.Burst, $"bursts {correlated.Burst:F2} vs {independent.Burst:F2}");
        Assert.InRange(correlated.Rate, 0.25, 0.35);
    }

    [Fact]
    public async Task Targets_limit_the_fault_to_matching_senders_or_recipients()
    {
        await using var harness = new FaultHarness("drop", Options(("targets", "payments, account/3")));

        Assert.Equal(InterceptAction.Drop, harness.Decide(FaultHarness.Request("customer/1", "payments/0")).Action);
        Assert.Equal(InterceptAction.Drop, harness.Decide(FaultHarness.Request("payments/1", "account/7")).Action);
        Assert.Equal(InterceptAction.Drop, harness.Decide(FaultHarness.Request("customer/3", "account/3")).Action);
        Assert.Equal(InterceptAction.Pass, harness.Decide(FaultHarness.Request("customer/3", "account/4")).Action);
    }

    [Fact]
    public async Task A_closed_window_passes_everything()
    {
        var harness = new FaultHarness("drop", []);
        Assert.Equal(InterceptAction.Drop, harness.Decide(FaultHarness.Request("customer/1", "payments/0")).Action);
        await harness.DisposeAsync();
        Assert.Equal(InterceptAction.Pass, harness.Decide(FaultHarness.Request("customer/1", "payments/0")).Action);
    }

    [Theory]
    [InlineData("uniform", 15, 25)]
    [InlineData("normal", 0, 60)]
    [InlineData("exponential", 20, 200)]
    public async Task Delays_follow_latency_jitter_and_distribution(string distribution, double min, double max)
    {
        await using var harness = new FaultHarness("delay", Options(("latency", "20ms"), ("jitter", "5ms"), ("distribution", distribution)));
        var delays = Enumerable.Range(0, 5000).Select(_ => harness.Decide(FaultHarness.Request("customer/1", "payments/0"))).ToArray();

        Assert.All(delays, d => Assert.Equal(InterceptAction.Delay, d.Action));
        Assert.All(delays, d => Assert.InRange(d.Delay.TotalMilliseconds, min, max));
        var mean = delays.Average(d => d.Delay.TotalMilliseconds);
        Assert.InRange(mean, distribution == "exponential" ? 24 : 19.5, distribution == "exponential" ? 26 : 20.5);
        if (distribution == "normal")
        {
            var sd = Math.Sqrt(delays.Average(d => Math.Pow(d.Delay.TotalMilliseconds - mean, 2)));
            Assert.InRange(sd, 4.5, 5.5);
        }
    }

    [Fact]
    public async Task Corrupt_flips_exactly_the_configured_number_of_bits()
    {
        await using var harness = new FaultHarness("corrupt", Options(("bits", "1")));
        for (var i = 0; i < 200; i++)
        {
            var message = FaultHarness.Request("customer/1", "payments/0");
            var decision = harness.Decide(message);

            Assert.Equal(InterceptAction.Replace, decision.Action);
            var flipped = message.Frame.Zip(decision.Frame!).Sum(p => System.Numerics.BitOperations.PopCount((uint)(p.First ^ p.Second)));
            Assert.Equal(1, flipped);
        }
    }

    [Fact]
    public async Task Duplicate_asks_for_extra_copies_of_requests_only()
    {
        await using var harness = new FaultHarness("duplicate", Options(("copies", "2")));

        var decision = harness.Decide(FaultHarness.Request("customer/1", "payments/0"));
        Assert.Equal((InterceptAction.Duplicate, 2), (decision.Action, decision.Copies));
        Assert.Equal(InterceptAction.Pass, harness.Decide(FaultHarness.Reply("payments/0", "customer/1")).Action);
    }

    [Fact]
    public async Task Reorder_holds_a_message_until_a_later_one_has_passed()
    {
        await using var harness = new FaultHarness("reorder", Options(("probability", "1"), ("maxHold", "10s"), ("targets", "account/1")));

        var held = harness.Interceptor.InterceptAsync(FaultHarness.Request("payments/0", "account/1", sequence: 1), CancellationToken.None).AsTask();
        await harness.Clock.WaitForTimersAsync(TimeSpan.FromSeconds(10), 1); // held: parked until overtaken or maxHold on the fault's clock
        Assert.False(held.IsCompleted); // the fake clock has not moved, and nothing has overtaken it

        var later = harness.Decide(FaultHarness.Request("payments/0", "account/2", sequence: 2));
        Assert.Equal(InterceptAction.Pass, later.Action);
        Assert.Equal(InterceptAction.Pass, (await held.WaitAsync(TimeSpan.FromSeconds(10))).Action);
        Assert.Equal(1, ((Reorder)harness.Fault).Overtaken);
    }

    [Fact]
    public async Task Reorder_releases_a_message_nothing_overtook_after_max_hold_on_the_faults_clock()
    {
        await using var harness = new FaultHarness("reorder", Options(("probability", "1"), ("maxHold", "10s"), ("targets", "account/1")));

        var held = harness.Interceptor.InterceptAsync(FaultHarness.Request("payments/0", "account/1"), CancellationToken.None).AsTask();
        await harness.Clock.WaitForTimersAsync(TimeSpan.FromSeconds(10), 1);
        harness.Clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        Assert.False(held.IsCompleted);

        harness.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(InterceptAction.Pass, (await held.WaitAsync(SteppedClock.Patience)).Action);
        Assert.Equal(0, ((Reorder)harness.Fault).Overtaken);
    }

    [Fact]
    public async Task Reorder_releases_held_messages_when_the_window_closes()
    {
        var harness = new FaultHarness("reorder", Options(("maxHold", "30s")));
        var held = harness.Interceptor.InterceptAsync(FaultHarness.Request("payments/0", "account/1"), CancellationToken.None).AsTask();

        await harness.DisposeAsync();

        Assert.Equal(InterceptAction.Pass, (await held.WaitAsync(TimeSpan.FromSeconds(10))).Action);
    }

    [Fact]
    public async Task Partition_by_service_drops_exactly_the_messages_that_cross_the_cut()
    {
        await using var harness = new FaultHarness("partition", Options(("sides", "customer | payments")));

        Assert.Equal(InterceptAction.Drop, harness.Decide(FaultHarness.Request("customer/1", "payments/0")).Action);
        Assert.Equal(InterceptAction.Drop, harness.Decide(FaultHarness.Reply("payments/0", "customer/1")).Action);
        Assert.Equal(InterceptAction.Pass, harness.Decide(FaultHarness.Request("payments/0", "account/1")).Action); // account: on no side
        Assert.Equal(InterceptAction.Pass, harness.Decide(FaultHarness.Request("customer/1", "account/1")).Action);
        Assert.Equal(2, harness.Context.Injected);
    }

    [Fact]
    public async Task Partition_by_silo_uses_where_each_endpoint_lives()
    {
        var nodes = new FakeNodes("S0", "S1", "S2");
        nodes.Hosts["payments/0"] = "S1";
        nodes.Hosts["account/1"] = "S0";
        nodes.Hosts["account/2"] = "S2";
        await using var harness = new FaultHarness("partition", Options(("sides", "silo:0 | silo:1, silo:2")), nodes: nodes);

        Assert.Equal(InterceptAction.Drop, harness.Decide(FaultHarness.Request("payments/0", "account/1", silo: "S1")).Action);
        Assert.Equal(InterceptAction.Pass, harness.Decide(FaultHarness.Request("payments/0", "account/2", silo: "S1")).Action);
        Assert.Equal(InterceptAction.Drop, harness.Decide(FaultHarness.Reply("account/1", "payments/0", silo: "S1")).Action);
        Assert.Equal(InterceptAction.Pass, harness.Decide(FaultHarness.Reply("account/2", "payments/0", silo: "S1")).Action);
    }

    [Theory]
    [InlineData("drop", "probability", "1.5", "probability")]
    [InlineData("delay", "distribution", "pareto", "distribution")]
    [InlineData("partition", "sides", "customer", "sides")]
    [InlineData("drop", "targets", "silo:x", "silo:x")]
    [InlineData("drop", "targets", "ledger", "ledger")]
    [InlineData("duplicate", "direction", "reply", "must be one of request, found 'reply'")]
    [InlineData("corrupt", "bitz", "2", "bitz")]
    public void Bad_options_are_rejected_with_the_key_named(string kind, string key, string value, string mentioned)
    {
        var problem = Testbed.Attacks.Faults.FaultCatalog.Check(kind, Options((key, value)), 3);
        Assert.NotNull(problem);
        Assert.Contains(mentioned, problem);
    }
}
