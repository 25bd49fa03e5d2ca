using Testbed.Attacks.Api;
using Testbed.Hosting.Ablation;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Testbed.Tests.Reports;
using Xunit;

namespace Testbed.Tests.Ablation;

/// <summary>The ablation's comparison, on hand-made results: which cells change, and which layer is not exercised.</summary>
public sealed class AblationComparisonTests
{
    private static VerdictCounts V(long s, long d, long b, long a, double? contained = null) => new(s + d + b + a, s, d, b, a, contained, 0);

    [Fact]
    public void Changes_name_what_moved_and_ignore_count_noise()
    {
        Assert.Equal(["D→S", "S 0→7", "D 10→0"], AblationComparison.Changes(V(0, 10, 0, 0), V(7, 0, 0, 3)));
        Assert.Equal(["D→B", "D 20→0"], AblationComparison.Changes(V(0, 20, 0, 0), V(0, 0, 20, 0)));
        Assert.Equal(["contained 502ms→not"], AblationComparison.Changes(V(0, 798, 0, 0, 502), V(0, 801, 0, 0)));
        Assert.Equal(["S 20→150", "D 130→0"], AblationComparison.Changes(V(20, 130, 0, 0), V(150, 0, 1, 0))); // both S: the share moved
        Assert.Empty(AblationComparison.Changes(V(0, 795, 0, 0, 480), V(0, 801, 0, 0, 530))); // noise in counts and timing
        Assert.Empty(AblationComparison.Changes(V(20, 54, 0, 0), V(22, 80, 0, 0)));
    }

    [Fact]
    public void A_removal_that_changes_a_cell_is_exercised_and_one_that_changes_nothing_is_not()
    {
        var baseline = Run("attack-replay-signed", goodput: 400, Attack("replay", 0, 10, 0, 0));
        var quiet = Run("preset-signed", goodput: 900) with { Attacks = [] };
        var withoutReplay = Run("attack-replay-signed", goodput: 500, Attack("replay", 7, 0, 0, 3)) with
        {
            Passed = false,
            Invariants = [Holds("money-conserved"), new InvariantVerdict("at-most-once", "each order applied once", false, ["o-1 debited twice"])],
        };
        var withoutSign = Run("attack-replay-signed", goodput: 450, Attack("replay", 0, 9, 0, 1)); // count noise only
        var removals = new[] { Removal("sign"), Removal("replay") };
        var scenarios = new[]
        {
            new ScenarioRuns(baseline, ClosedLoop: true, new Dictionary<string, ScenarioResult> { ["sign"] = withoutSign, ["replay"] = withoutReplay }),
            new ScenarioRuns(quiet, ClosedLoop: true, new Dictionary<string, ScenarioResult>
            {
                ["sign"] = quiet with { GoodputPerSec = 1000 }, ["replay"] = quiet with { GoodputPerSec = 900 },
            }),
        };

        var group = AblationComparison.Compare("signed", "signed", ["sign", "replay"], removals, scenarios);

        Assert.Equal(["replay"], group.Attacks);
        Assert.Equal([("attack-replay-signed", 42), ("preset-signed", 42)], group.Scenarios.Select(s => (s.Name, s.Seed)));
        var sign = group.Rows[0];
        Assert.Equal("sign", sign.Layer);
        Assert.False(sign.Exercised);
        Assert.Equal("—", Assert.Single(sign.Cells).Text);
        Assert.Equal(0.9, sign.Goodput.Ratio!.Value, 3); // the attack-free closed-loop scenario only: 900 ÷ 1000
        Assert.Equal("closed loop, no attacks or faults", sign.Goodput.Basis);
        var replay = group.Rows[1];
        Assert.True(replay.Exercised);
        var cell = Assert.Single(replay.Cells);
        Assert.True(cell.Changed);
        Assert.Equal("D→S · S 0→7 · D 10→0", cell.Text);
        Assert.Equal("D→S S 0→7", cell.Short);
        Assert.Equal(new InvariantChange("attack-replay-signed", "at-most-once", true, false), Assert.Single(replay.Invariants));
        Assert.Equal(["attack-replay-signed"], replay.FailedWithout);

        var layers = AblationComparison.Summarize([group]);
        Assert.Equal([("sign", false), ("replay", true)], layers.Select(l => (l.Layer, l.Exercised)));
        Assert.Equal(["signed"], layers[0].NotExercisedIn);
    }

    [Fact]
    public void A_run_that_crashed_without_the_layer_is_an_error_not_a_change()
    {
        var baseline = Run("attack-replay-signed", goodput: 400, Attack("replay", 0, 10, 0, 0));
        var crashed = ReportSamples.Crashed("attack-replay-signed");
        var group = AblationComparison.Compare("signed", "signed", ["sign", "replay"], [Removal("replay")],
            [new ScenarioRuns(baseline, true, new Dictionary<string, ScenarioResult> { ["replay"] = crashed })]);

        var row = Assert.Single(group.Rows);
        Assert.False(row.Exercised);
        Assert.Equal("error", Assert.Single(row.Cells).Text);
        Assert.Equal(["attack-replay-signed: SiloUnavailableException: the cluster did not start"], row.Errors);
        Assert.Null(row.Goodput.Ratio);
    }

    [Fact]
    public void The_report_shows_the_matrix_and_what_was_not_exercised()
    {
        var baseline = Run("attack-replay-signed", goodput: 400, Attack("replay", 0, 10, 0, 0));
        var group = AblationComparison.Compare("signed + " + ReportSamples.Hostile, "signed", ["sign", "replay"], [Removal("sign"), Removal("replay")],
            [new ScenarioRuns(baseline, true, new Dictionary<string, ScenarioResult>
            {
                ["sign"] = baseline, ["replay"] = Run("attack-replay-signed", goodput: 400, Attack("replay", 10, 0, 0, 0)),
            })]);
        var report = new AblationReport
        {
            Suite = "scenarios/x", Command = "testbed ablate scenarios/x", StartedAt = DateTimeOffset.UnixEpoch, DurationMs = 1000, Runs = 3,
            Skipped = ["attack-replay-none"], Groups = [group], Layers = AblationComparison.Summarize([group]),
        };

        var html = HtmlReport.RenderAblation(report, [baseline]);

        Assert.Contains("id=\"ablation\"", html);
        Assert.Contains("not exercised by this suite: sign", html);
        Assert.Contains(System.Net.WebUtility.HtmlEncode("D→S · S 0→10 · D 10→0"), html);
        Assert.DoesNotContain(ReportSamples.Hostile, html);
        Assert.False(report.AllExercised);
        Assert.True(report.BaselinePassed);
    }

    [Fact]
    public void Removing_a_layer_takes_its_dependants_keeps_the_tuned_options_and_the_seed()
    {
        var zeroTrust = Load("name: a\nseed: 7\ndefenses: [zero-trust]\n");
        var tuned = Load("name: b\nseed: 8\ndefenses: [tls-like, {name: session, rekeyAfterMessages: 20}]\n");
        var none = Load("name: c\nseed: 9\n");

        var groups = AblationPlan.For([zeroTrust, tuned, none]);

        Assert.Equal(["zero-trust", "tls-like + session{rekeyAfterMessages=20}"], groups.Select(g => g.Label));
        var session = groups[0].Removals.Single(r => r.Layer == "session");
        Assert.Equal(["encrypt", "replay"], session.AlsoRemoved);
        Assert.Equal(["ratelimit", "authz"], session.Remaining.Select(s => s.Name));
        Assert.Equal("20000", session.Remaining[0].Options["rate"]);
        Assert.Equal("session (+ encrypt, replay)", session.Describe());
        var encrypt = groups[1].Removals.Single(r => r.Layer == "encrypt");
        Assert.Empty(encrypt.AlsoRemoved);
        var ablated = encrypt.Apply(tuned);
        Assert.Equal(8, ablated.Seed);
        Assert.Equal(["session", "replay"], ablated.Defenses);
        Assert.Equal("20", ablated.DefenseSpecs[0].Options["rekeyAfterMessages"]);
        Assert.Null(Testbed.Defenses.DefenseCatalog.CheckList(ablated.DefenseSpecs));
        Assert.Equal(["replay"], AblationPlan.For([zeroTrust], ["replay"]).Single().Removals.Select(r => r.Layer));
    }

    private static Scenario Load(string yaml) => ScenarioLoader.Parse(yaml, "test.yaml", TestbedCatalog.Default);

    private static LayerRemoval Removal(string layer) => new(layer, [], []);

    private static InvariantVerdict Holds(string name) => new(name, name, true, []);

    private static AttackResult Attack(string kind, int s, int d, int b, int a) =>
        new(kind, "CAPEC-60", null, 100, 3000, s + d + b + a, s, d, b, a, null, null, new Dictionary<string, double>(), []);

    private static ScenarioResult Run(string name, double goodput, params AttackResult[] attacks) => ReportSamples.Passing(name, "signed") with
    {
        GoodputPerSec = goodput,
        Invariants = [Holds("money-conserved"), Holds("at-most-once")],
        Attacks = attacks,
    };
}
