using System.Text;
using Testbed.Attacks.Hooks;
using Testbed.Checking;
using Testbed.Envelopes;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Testbed.Services.Payments;
using Testbed.Wire;
using Testbed.Workload;
using Xunit;

namespace Testbed.Tests.Defenses;

/// <summary>The presets on a real cluster: no false alarms without an attack, and the layers really stop what `none` lets through.</summary>
public sealed class PresetClusterTests
{
    private static Scenario Scenario(string name, string defenses, int operations = 300, string extra = "") => ScenarioLoader.Parse(
        $"name: {name}\nseed: 21\ncluster:\n  silos: 2\nworkload:\n  accounts: 8\n  operations: {operations}\n  concurrency: 4\n  paddingBytes: 64\n{extra}" +
        $"defenses: [{defenses}]\nexpect:\n  invariants: all\n  maxSecurityEvents: 0\n",
        $"{name}.yaml", TestbedCatalog.Default);

    [Theory]
    [InlineData("none")]
    [InlineData("signed")]
    [InlineData("tls-like")]
    [InlineData("zero-trust")]
    [InlineData("paranoid")]
    public async Task Preset_runs_clean_with_zero_security_events(string preset)
    {
        var result = await ScenarioRunner.RunAsync(Scenario($"clean-{preset}", preset));

        Assert.True(result.Passed, string.Join("; ", result.Expectations.Where(e => !e.Passed).Select(e => $"{e.Name}: {e.Detail}")));
        Assert.Equal(0, result.SecurityEvents.Total);
        Assert.Equal(0, result.Operations.Info);
        Assert.True(result.Operations.Ok > 250);
        Assert.Equal(preset, result.Preset);
    }

    [Theory]
    [InlineData("none", true)]
    [InlineData("signed", true)]
    [InlineData("tls-like", false)]
    [InlineData("zero-trust", false)]
    public async Task Card_numbers_are_visible_on_the_wire_only_without_encryption(string preset, bool visible)
    {
        var recorder = new EnvelopeRecorder();
        var result = await ScenarioRunner.RunAsync(Scenario($"secrecy-{preset}", preset, 100),
            new RunOptions { OnClusterStarted = c => c.Hooks.Attach(recorder) });
        var cards = new CustomerDirectory(21, 8).Profiles.Select(p => p.CardNumber).ToArray();
        var frames = recorder.Seen.Select(s => Encoding.ASCII.GetString(s.Frame)).ToArray();

        Assert.True(result.Passed);
        Assert.Equal(visible, frames.Any(f => cards.Any(c => f.Contains(c, StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData("signed")]
    [InlineData("tls-like")]
    [InlineData("zero-trust")]
    [InlineData("paranoid")]
    public async Task Tampering_in_flight_is_detected_and_nothing_altered_is_applied(string preset)
    {
        var result = await ScenarioRunner.RunAsync(Scenario($"tamper-{preset}", preset, 120), new RunOptions
        {
            OnClusterStarted = cluster => cluster.Hooks.Attach(new RuleInterceptor(m =>
                m is { Direction: WireDirection.Request, Envelope.Kind: EnvelopeKind.Order }
                    ? InterceptDecision.ReplaceFrame(FlipLastPayloadBit(m.Frame, m.Envelope!))
                    : InterceptDecision.Pass)),
        });

        Assert.True(result.SecurityEvents.Total > 0);
        Assert.All(result.Invariants, i => Assert.True(i.Holds, $"{i.Name}: {string.Join("; ", i.Counterexamples)}"));
        Assert.Equal(0, result.Operations.Ok - result.History.Count(o => o.Type == History.OpType.Ok && o.Function == History.OpFunction.Read));
    }

    [Fact]
    public async Task Replayed_debit_is_rejected_under_tls_like_but_applied_twice_under_none()
    {
        foreach (var (preset, expectRejected) in new[] { ("tls-like", true), ("none", false) })
        {
            var recorder = new EnvelopeRecorder();
            Testbed.Hosting.Cluster.EmbeddedCluster? live = null;
            var result = await ScenarioRunner.RunAsync(
                Scenario($"replay-{preset}", preset, 40, "  idempotentOrders: false\n  readFraction: 0\n"),
                new RunOptions
                {
                    OnClusterStarted = c => { live = c; c.Hooks.Attach(recorder); },
                    BeforeFinalRead = async () =>
                    {
                        var debit = recorder.Seen.First(s => s is { Direction: WireDirection.Request, Envelope.Kind: EnvelopeKind.Debit });
                        await live!.Hooks.InjectAsync(debit.Envelope!.Recipient, debit.Frame);
                    },
                });

            var atMostOnce = result.Invariants.Single(i => i.Name == Invariants.AtMostOnce);
            Assert.Equal(expectRejected, atMostOnce.Holds);
            Assert.Equal(expectRejected, result.SecurityEvents.ByLayer.ContainsKey("replay"));
        }
    }

    private static byte[] FlipLastPayloadBit(byte[] frame, Envelope envelope)
    {
        var copy = frame.ToArray();
        var payloadEnd = EnvelopeCodec.GetHeaderLength(envelope);
        copy[payloadEnd - 1] ^= 0x01;
        return copy;
    }
}
