using Testbed.Attacks.Api;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;
using static Testbed.Tests.Scenarios.ScenarioTestSupport;

namespace Testbed.Tests.Scenarios;

/// <summary>
/// Conditions on an attack's times (<c>mttdMs</c>, <c>containmentMs</c>) and on the security events of one layer or
/// reason (<c>securityEvents</c> as a mapping): read from the file, then judged against results.
/// </summary>
public sealed class ExpectationConditionTests
{
    [Fact]
    public void Security_events_by_layer_and_reason_and_attack_times_parse_to_the_conditions_written()
    {
        var expect = Parse(Yaml("name: x", "seed: 1", "expect:",
            "  securityEvents: {total: \">0\", rate-limit: \"<=9\", rate-limit/source-blocked: \">=2\"}",
            "  attacks:",
            "    replay: {succeeded: \"0\", containmentMs: \"<=500\", mttdMs: \"<100\"}")).Expect;

        Assert.Equal(("*", CountComparison.Greater, 0L), (expect.SecurityEvents!.Kind, expect.SecurityEvents.Comparison, expect.SecurityEvents.Value));
        Assert.Equal([("rate-limit", "<=9"), ("rate-limit/source-blocked", ">=2")], expect.SecurityEventsBy.Select(e => (e.Kind, e.Condition)));
        Assert.Equal([("succeeded", "0"), ("containmentMs", "<=500"), ("mttdMs", "<100")], expect.Attacks.Select(e => (e.Measure, e.Condition)));
    }

    [Fact]
    public void A_scalar_security_events_condition_is_still_the_total()
    {
        var expect = Parse(Yaml("name: x", "seed: 1", "expect:", "  securityEvents: \"3\"")).Expect;

        Assert.Equal("3", expect.SecurityEvents!.Condition);
        Assert.Empty(expect.SecurityEventsBy);
    }

    [Theory]
    [InlineData("  securityEvents: {firewall: \">0\"}", 4, 20, "expect.securityEvents.firewall: expected total, a defense layer (rate-limit, idempotency-keys) or layer/reason")]
    [InlineData("  securityEvents: {rate-limit/Blocked: \">0\"}", 4, 20, "expect.securityEvents.rate-limit/Blocked: expected total")]
    [InlineData("  securityEvents: {rate-limit: many}", 4, 32, "expect.securityEvents.rate-limit: expected a count condition")]
    [InlineData("  attacks:\n    replay: {containmentMs: soon}", 5, 29, "expect.attacks.replay.containmentMs: expected a count condition")]
    [InlineData("  attacks:\n    replay: {recoveryMs: \"0\"}", 5, 14, "unknown key 'recoveryMs' in expect.attacks.replay; allowed keys: attempts, succeeded, detected, blocked, absorbed, mttdMs, containmentMs")]
    public void Bad_conditions_are_positioned_errors(string tail, int line, int column, string fragment)
    {
        SingleError(Yaml("name: x", "seed: 1", "expect:", tail), line, column, fragment);
    }

    [Theory]
    [InlineData(499.2, "<=500", true)]
    [InlineData(500.4, "<=500", false)] // rounded up: 501 ms
    [InlineData(null, "<=500", false)] // never contained
    public void A_time_condition_holds_for_the_slowest_attack_of_the_kind_and_fails_when_one_never_got_there(double? containment, string condition, bool holds)
    {
        var expected = Parse(Yaml("name: x", "seed: 1", "expect:", "  attacks:", $"    replay: {{containmentMs: \"{condition}\"}}")).Expect.Attacks.Single();
        AttackResult Result(double? ms) => new("replay", "CAPEC-60", null, 0, 1000, 10, 0, 10, 0, 0, 1, ms, new Dictionary<string, double>(), []);

        var verdict = ExpectationJudge.Attack(expected, [Result(100), Result(containment)]);

        Assert.Equal(holds, verdict.Passed);
        Assert.Equal($"attack replay containmentMs {condition}", verdict.Name);
        Assert.Equal(containment is null ? "never contained (no rate-limit block stopped its attempts)" : $"{containment:F1} ms", verdict.Detail);
        Assert.False(ExpectationJudge.Attack(expected, []).Passed); // no such attack in the run
    }

    [Fact]
    public void A_layer_condition_counts_every_reason_of_the_layer_and_a_reason_condition_only_its_own()
    {
        var events = new SecurityEventSummary(12, new Dictionary<string, IReadOnlyDictionary<string, long>>
        {
            ["ratelimit"] = new Dictionary<string, long> { ["rate-limited"] = 2, ["source-blocked"] = 7 },
            ["session"] = new Dictionary<string, long> { ["unknown-session"] = 3 },
        });
        static AttackExpectation On(string kind, CountComparison comparison, long value) => new(kind, "securityEvents", comparison, value, 1, 1);

        Assert.True(ExpectationJudge.Events(On("ratelimit", CountComparison.Equal, 9), events).Passed);
        Assert.True(ExpectationJudge.Events(On("ratelimit/source-blocked", CountComparison.Equal, 7), events).Passed);
        Assert.False(ExpectationJudge.Events(On("ratelimit/sender-blocked", CountComparison.Greater, 0), events).Passed);
        Assert.False(ExpectationJudge.Events(On("replay", CountComparison.Greater, 0), events).Passed);
        Assert.Equal("0 replay events", ExpectationJudge.Events(On("replay", CountComparison.Greater, 0), events).Detail);
    }
}
