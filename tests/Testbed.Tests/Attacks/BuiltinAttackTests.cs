using Testbed.Checking;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Attacks;

/// <summary>The built-in attacks on a real cluster: what succeeds without defenses, what the presets stop and detect.</summary>
public sealed class BuiltinAttackTests
{
    // Sized by time, not by operation count: a warm cluster can finish a few hundred operations before an attack's
    // first action is due, and the attack then never acts.
    private static Task<ScenarioResult> Run(string name, string defenses, string attack, string workloadExtra = "", string size = "duration: 1s") =>
        ScenarioRunner.RunAsync(ScenarioLoader.Parse(
            $"name: {name}\nseed: 8\nworkload:\n  accounts: 8\n  {size}\n  readFraction: 0.1\n{workloadExtra}" +
            $"defenses: [{defenses}]\nattacks:\n  - {attack}\nexpect:\n  invariants: []\n",
            $"{name}.yaml", TestbedCatalog.Default));

    [Fact]
    public async Task Eavesdropper_recovers_canaries_in_clear_and_none_under_encryption()
    {
        var clear = (await Run("eaves-signed", "signed", "{kind: eavesdrop, start: 0s, stop: 30s}")).Attacks.Single();
        var encrypted = (await Run("eaves-tls", "tls-like", "{kind: eavesdrop, start: 0s, stop: 30s}")).Attacks.Single();

        Assert.Equal("CAPEC-157", clear.Capec);
        Assert.True(clear.Succeeded > 0 && clear.Details["cardsRecovered"] > 0);
        Assert.True(encrypted.Attempts > 0);
        Assert.Equal(0, encrypted.Succeeded);
        Assert.Equal(0, encrypted.Detected); // passive: nothing on the wire can notice it
        Assert.Equal(encrypted.Attempts, encrypted.Absorbed);
    }

    [Fact]
    public async Task Replayed_debits_apply_twice_without_defenses_and_are_detected_by_the_window()
    {
        const string attack = "{kind: replay, start: 50ms, stop: 30s, count: 8, delay: 50ms}";
        var none = await Run("replay-none", "none", attack, "  idempotentOrders: false\n");
        var tls = await Run("replay-tls", "tls-like", attack, "  idempotentOrders: false\n");

        var open = none.Attacks.Single();
        Assert.True(open.Succeeded > 0);
        Assert.False(none.Invariants.Single(i => i.Name == Invariants.AtMostOnce).Holds);

        var defended = tls.Attacks.Single();
        Assert.Equal(8, defended.Attempts);
        Assert.Equal(0, defended.Succeeded);
        Assert.True(defended.Detected > 0);
        Assert.NotNull(defended.MttdMs);
        Assert.True(tls.SecurityEvents.ByLayer["replay"].ContainsKey("replay-duplicate"));
        Assert.True(tls.Invariants.Single(i => i.Name == Invariants.AtMostOnce).Holds);
    }

    [Fact]
    public async Task Idempotent_accounts_absorb_replays_without_an_event()
    {
        var result = (await Run("replay-idem", "none", "{kind: replay, start: 50ms, stop: 30s, count: 5}")).Attacks.Single();

        Assert.Equal(5, result.Attempts);
        Assert.Equal(0, result.Succeeded);
        Assert.Equal(5, result.Absorbed);
    }

    [Fact]
    public async Task Tampered_orders_apply_without_defenses_and_are_detected_with_them()
    {
        // Opens with the workload (a window due at once opens before its first message; CI once saw a 50 ms timer fire
        // after all 600 orders were done, 0 attempts), a fixed number of orders (a loaded machine sees fewer in 1 s) and
        // balances no tampered amount (×10 + 1) exceeds: under none every one of the 10 applies.
        const string attack = "{kind: tamper, start: 0s, stop: 30s, count: 10, probability: 0.2}";
        const string size = "operations: 600\n  initialBalance: 1000000";
        var none = (await Run("tamper-none", "none", attack, size: size)).Attacks.Single();
        var zeroTrust = await Run("tamper-zt", "zero-trust", attack, size: size);

        Assert.Equal(10, none.Attempts);
        Assert.Equal(10, none.Succeeded);
        var defended = zeroTrust.Attacks.Single();
        Assert.Equal(10, defended.Attempts);
        Assert.Equal(0, defended.Succeeded);
        Assert.Equal(10, defended.Detected);
        Assert.All(zeroTrust.Invariants, i => Assert.True(i.Holds, i.Name));
    }

    [Fact]
    public async Task Downgrade_of_session_offers_is_refused_by_the_signed_transcript()
    {
        var tls = await Run("downgrade-tls", "tls-like", "{kind: downgrade, start: 0s, stop: 30s, count: 6}");
        var none = await Run("downgrade-none", "none", "{kind: downgrade, start: 0s, stop: 30s}");

        var attack = tls.Attacks.Single();
        Assert.Equal(("CAPEC-620", "T1562.010"), (attack.Capec, attack.Mitre));
        Assert.Equal(6, attack.Attempts);
        Assert.Equal(0, attack.Succeeded);
        Assert.Equal(6, attack.Detected);
        Assert.Equal(6, tls.SecurityEvents.ByLayer["session"]["bad-transcript"]);
        Assert.All(tls.Invariants, i => Assert.True(i.Holds, i.Name));
        Assert.Equal(0, none.Attacks.Single().Attempts); // no negotiation to tamper with
    }

    [Fact]
    public async Task Stolen_key_impersonates_until_revocation_propagates_and_never_opens_session_traffic()
    {
        static Task<ScenarioResult> RunKc(string preset) => ScenarioRunner.RunAsync(ScenarioLoader.Parse(
            $"name: kc-{preset}\nseed: 8\nworkload:\n  accounts: 4\n  duration: 3s\ndefenses: [{preset}]\nattacks:\n" +
            "  - {kind: key-compromise, start: 0s, stop: 30s, at: 800ms, revokeAfter: 300ms, interval: 15ms, count: 150}\nexpect:\n  invariants: []\n",
            "kc.yaml", TestbedCatalog.Default));
        var signed = await RunKc("signed");
        var tls = await RunKc("tls-like");

        var stolen = signed.Attacks.Single();
        Assert.Equal(("CAPEC-560", "T1552.004"), (stolen.Capec, stolen.Mitre));
        Assert.True(stolen.Succeeded > 0, "forged orders signed with the stolen key are accepted before revocation");
        Assert.True(stolen.Detected > 0, "and rejected once the revocation reached the verifiers");
        Assert.True(signed.SecurityEvents.ByLayer["sign"].ContainsKey("revoked-key"));
        Assert.True(stolen.Details["recordedBefore"] > 0);
        Assert.Equal(stolen.Details["recordedBefore"], stolen.Details["readableBefore"]); // signing is not secrecy: all of it was readable

        var fs = tls.Attacks.Single();
        Assert.Equal(0, fs.Succeeded);
        Assert.True(fs.Details["recordedBefore"] > 0 && fs.Details["sessionsRecorded"] > 0 && fs.Details["unreadableBefore"] > 0);
        Assert.Equal(0, fs.Details["readableBefore"]); // forward secrecy: the stolen key's derivation opens no recorded session traffic
    }

    [Fact]
    public async Task Detail_expectations_judge_what_the_attack_reported_and_fail_on_a_figure_it_never_reported()
    {
        var result = await ScenarioRunner.RunAsync(ScenarioLoader.Parse(
            "name: kc-details\nseed: 9\nworkload:\n  accounts: 4\n  duration: 1s\ndefenses: [none]\nattacks:\n" +
            "  - {kind: key-compromise, start: 0s, stop: 30s, at: 300ms}\nexpect:\n  invariants: []\n  attacks:\n" +
            "    key-compromise: {details: {recordedBefore: \">0\", unreadableBefore: \"0\", sessionsOpened: \">0\", noSuchFigure: \"0\"}}\n",
            "kc.yaml", TestbedCatalog.Default));

        var verdicts = result.Expectations.Where(e => e.Name.StartsWith("attack key-compromise details.", StringComparison.Ordinal))
            .ToDictionary(e => e.Name["attack key-compromise details.".Length..].Split(' ')[0]);
        Assert.True(verdicts["recordedBefore"].Passed, verdicts["recordedBefore"].Detail);
        Assert.True(verdicts["unreadableBefore"].Passed); // everything was in clear
        Assert.Equal((false, "0"), (verdicts["sessionsOpened"].Passed, verdicts["sessionsOpened"].Detail)); // no sessions under none
        Assert.Equal((false, "no key-compromise attack reported 'noSuchFigure'"), (verdicts["noSuchFigure"].Passed, verdicts["noSuchFigure"].Detail));
        Assert.False(result.Passed);
    }

    [Fact]
    public void Bad_attack_options_are_positioned_scenario_errors()
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(
            "name: bad\nseed: 1\nattacks:\n  - {kind: replay, start: 0s, stop: 1s, count: lots}\n  - {kind: tamper, start: 0s, stop: 1s, feild: amount}\n",
            "bad.yaml", TestbedCatalog.Default));

        Assert.Equal(2, ex.Errors.Count);
        Assert.Equal(4, ex.Errors[0].Line);
        Assert.Contains("count", ex.Errors[0].Message);
        Assert.Equal(5, ex.Errors[1].Line);
        Assert.Contains("feild", ex.Errors[1].Message);
    }
}
