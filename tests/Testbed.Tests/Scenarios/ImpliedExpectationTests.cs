using Testbed.Attacks.Api;
using Testbed.Attacks.Faults;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;
using static Testbed.Tests.Scenarios.ScenarioTestSupport;

namespace Testbed.Tests.Scenarios;

/// <summary>
/// What every scenario checks without being told: attacks and faults raised no error, an attack with expectations made
/// an attempt, a fault injected something — unless the scenario states a condition on that measure itself.
/// </summary>
public sealed class ImpliedExpectationTests
{
    private static readonly string[] Header =
        ["name: x", "seed: 1", "attacks:", "  - {kind: replay, start: 0s, stop: 1s}", "faults:", "  - {kind: latency, start: 0s, stop: 1s}", "expect:"];

    [Fact]
    public void A_dead_attack_fails_on_its_error_and_on_its_missing_attempts_even_when_every_stated_count_holds()
    {
        var scenario = Parse(Yaml([.. Header, "  attacks:", "    replay: {succeeded: \"0\"}"]));
        var dead = Attack(attempts: 0, "act: InvalidOperationException: boom");

        var implied = ExpectationJudge.Implied(scenario, [dead], [Fault(injected: 3)]).ToArray();

        Assert.True(ExpectationJudge.Attack(scenario.Expect.Attacks.Single(), [dead]).Passed); // what the file states holds
        Assert.Equal(
            [("attack replay errors 0 (implied)", false, "1 error: act: InvalidOperationException: boom"), ("attack replay attempts >0 (implied)", false, "0"),
             ("fault latency errors 0 (implied)", true, "no error"), ("fault latency injected >0 (implied)", true, "3")],
            implied.Select(e => (e.Name, e.Passed, e.Detail)));
    }

    [Fact]
    public void A_condition_the_scenario_states_on_attempts_errors_or_injected_replaces_the_implied_one()
    {
        var scenario = Parse(Yaml([.. Header, "  attacks:", "    replay: {attempts: \"0\", errors: \">0\"}", "  faults:", "    latency: {injected: \"0\", errors: \"0\"}"]));
        var (attack, fault) = (Attack(attempts: 0, "act: NotSupportedException: nothing to attack"), Fault(injected: 0));

        Assert.Empty(ExpectationJudge.Implied(scenario, [attack], [fault]));
        Assert.All(scenario.Expect.Attacks, e => Assert.True(ExpectationJudge.Attack(e, [attack]).Passed, e.Measure));
        Assert.All(scenario.Expect.Faults, e => Assert.True(ExpectationJudge.Fault(e, [fault]).Passed, e.Measure));
    }

    [Fact]
    public void An_attack_without_expectations_must_still_run_and_try_and_a_fault_must_inject()
    {
        var scenario = Parse(Yaml([.. Header, "  invariants: all"]));

        var implied = ExpectationJudge.Implied(scenario, [Attack(attempts: 0)], [Fault(injected: 0, "ArgumentException: no such silo")]).ToArray();

        Assert.Equal(
            [("attack replay errors 0 (implied)", true), ("attack replay attempts >0 (implied)", false),
             ("fault latency errors 0 (implied)", false), ("fault latency injected >0 (implied)", false)],
            implied.Select(e => (e.Name, e.Passed)));
        Assert.Equal("1 error: ArgumentException: no such silo", implied[2].Detail);
    }

    [Fact]
    public void Each_entry_is_judged_on_its_own_so_a_dead_attack_cannot_hide_behind_a_live_one_of_its_kind()
    {
        var scenario = Parse(Yaml("name: x", "seed: 1", "attacks:", "  - {kind: replay, start: 0s, stop: 1s}", "  - {kind: replay, start: 1s, stop: 2s}",
            "expect:", "  attacks:", "    replay: {succeeded: \"0\"}"));

        var implied = ExpectationJudge.Implied(scenario, [Attack(attempts: 12), Attack(attempts: 0)], []).ToArray();

        Assert.True(ExpectationJudge.Attack(new AttackExpectation("replay", "attempts", CountComparison.Greater, 0, 0, 0), [Attack(12), Attack(0)]).Passed); // summed: 12
        Assert.Equal(
            [("attack replay (attacks[0]) errors 0 (implied)", true), ("attack replay (attacks[0]) attempts >0 (implied)", true),
             ("attack replay (attacks[1]) errors 0 (implied)", true), ("attack replay (attacks[1]) attempts >0 (implied)", false)],
            implied.Select(e => (e.Name, e.Passed)));
    }

    [Fact]
    public async Task A_run_whose_attack_throws_on_start_fails_though_the_scenario_only_asks_that_nothing_succeeded()
    {
        var attacks = AttackCatalog.Builtin.With("dead", () => new DeadOnStart());
        var yaml = Yaml("name: dead-attack", "seed: 4", "workload: {accounts: 4, duration: 600ms, concurrency: 2}", "defenses: [none]",
            "attacks:", "  - {kind: dead, start: 100ms, stop: 500ms}", "expect:", "  invariants: all", "  attacks:", "    dead: {succeeded: \"0\"}");

        var result = await ScenarioRunner.RunAsync(ScenarioLoader.Parse(yaml, "dead.yaml", TestbedCatalog.With(attacks)), new RunOptions { Attacks = attacks });

        Assert.False(result.Passed);
        Assert.Equal(
            [("attack dead succeeded 0", true), ("attack dead errors 0 (implied)", false), ("attack dead attempts >0 (implied)", false)],
            result.Expectations.Where(e => e.Name.StartsWith("attack ", StringComparison.Ordinal)).Select(e => (e.Name, e.Passed)));
        Assert.Contains("InvalidOperationException: dead on start", result.Expectations.Single(e => e.Name.StartsWith("attack dead errors", StringComparison.Ordinal)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kind_registered_for_a_class_that_declares_another_kind_is_refused_since_its_results_could_never_be_judged()
    {
        var catalog = AttackCatalog.Builtin.With("replay2", () => new Testbed.Attacks.Builtin.Replay());

        var ex = Assert.Throws<ArgumentException>(() => catalog.Create("replay2", new Dictionary<string, string>()));

        Assert.Equal("attack kind 'replay2' is registered for a class that declares kind 'replay'", ex.Message);
    }

    private static AttackResult Attack(int attempts, params string[] errors) =>
        new("replay", "CAPEC-60", null, 0, 1000, attempts, 0, attempts, 0, 0, null, null, new Dictionary<string, double>(), errors);

    private static FaultResult Fault(long injected, params string[] errors) => new("latency", 0, 1000, "all", injected, true, [], errors);

    /// <summary>The audit's mutant: an attack whose code throws before it does anything.</summary>
    private sealed class DeadOnStart : Attack
    {
        public override AttackInfo Info { get; } = new("dead", "CAPEC-60", null, AdversaryCapabilities.Inject, "throws on start");

        public override Task ActAsync(AdversaryContext context, CancellationToken windowClosed) =>
            throw new InvalidOperationException("dead on start");

        public override void Judge(AttackJudgement judgement)
        {
        }
    }
}
