using Testbed.Defenses;
using Testbed.Defenses.RateLimit;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.GuardsSupport;
using Xunit;

namespace Testbed.Tests.Defenses.RateLimit;

/// <summary>
/// What the rate limiter keys on: admission limits and blocks wire sources (which a forger cannot choose), and only
/// traffic a later layer authenticated is charged to — and can get blocked — the principal it claims. A stand-in
/// authenticating layer accepts key id "genuine" (what a valid signature or AEAD tag proves) and refuses the rest; a
/// stand-in replay layer refuses a sequence number seen before.
/// </summary>
public sealed class RateLimitKeyingTests
{
    private const string Forger = "sys.client/hosted-silo-1"; // an in-process injector's origin: the silo's hosted client

    private static readonly RateLimitOptions Tight = new() { Rate = 10, Burst = 5, Strikes = 3, BlockFor = TimeSpan.FromSeconds(5) };

    private static GuardHarness Harness(StandInAuthenticity? authenticity = null) =>
        new(b => b.AddRateLimit(Tight).AddLayer("sign", _ => authenticity ?? new StandInAuthenticity()).AddLayer("replay", _ => new StandInReplay()));

    private static ulong _sequence;

    private static Envelope Claiming(string sender, bool genuine, ulong? sequence = null) =>
        GuardHarness.Message(sender, "account/0", EnvelopeKind.Debit, sequence ?? Interlocked.Increment(ref _sequence), keyId: genuine ? "genuine" : "");

    [Fact]
    public void A_forged_flood_claiming_a_principal_does_not_block_the_authenticated_principal()
    {
        var h = Harness();
        var layer = h.Layer<RateLimitLayer>();
        var refusals = Enumerable.Range(0, 200).Select(_ => h.Reason(Claiming("payments/0", genuine: false), source: Forger)).ToArray();

        Assert.Equal(Tight.Burst, refusals.Count(r => r == "bad-signature")); // the forger's own burst reached authentication
        Assert.Equal(Tight.Strikes, refusals.Count(r => r == RateLimitReasons.RateLimited));
        Assert.All(refusals.Skip(Tight.Burst + Tight.Strikes), r => Assert.Equal(RateLimitReasons.SourceBlocked, r));
        Assert.True(layer.IsSourceBlocked(Forger));
        Assert.False(layer.IsBlocked("payments/0"));

        // The real payments/0, from its own origin, has its whole burst, and every block names the forger's source.
        Assert.All(Enumerable.Range(0, Tight.Burst), _ => Assert.Null(h.Reason(Claiming("payments/0", genuine: true))));
        Assert.Equal(Forger, Assert.Single(layer.BlockHistory).Source);
        Assert.All(h.Events.Events, e => Assert.Equal(("payments/0", Forger), (e.ClaimedSender, e.Source)));
        Assert.Equal((2, 1), (layer.GetStatistics().TrackedSources, layer.GetStatistics().TrackedPrincipals)); // sources: the forger, payments/0
    }

    [Fact]
    public void Forgeries_and_replays_from_many_sources_never_spend_the_principal_s_bucket()
    {
        var h = Harness();
        var recorded = Claiming("payments/0", genuine: true);
        Assert.Null(h.Reason(recorded)); // the original: one token of payments/0's principal bucket
        for (var source = 0; source < 50; source++)
        {
            // Each source stays within its own burst: all of it reaches the later layers, none of it is accepted.
            Assert.Equal("bad-signature", h.Reason(Claiming("payments/0", genuine: false), source: $"sys.client/{source}"));
            Assert.Equal("replay-duplicate", h.Reason(recorded, source: $"sys.client/{source}"));
        }

        Assert.All(Enumerable.Range(1, Tight.Burst - 1), _ => Assert.Null(h.Reason(Claiming("payments/0", genuine: true), source: "elsewhere")));
        Assert.Equal(RateLimitReasons.RateLimited, h.Reason(Claiming("payments/0", genuine: true), source: "elsewhere"));
        Assert.DoesNotContain(h.EventList, e => e.Layer == "ratelimit" && e.Reason != RateLimitReasons.RateLimited);
    }

    [Fact]
    public void An_authenticated_flooder_spread_over_sources_is_rate_limited_on_acceptance_then_blocked()
    {
        var authenticity = new StandInAuthenticity();
        var h = Harness(authenticity);
        var layer = h.Layer<RateLimitLayer>();
        string? Send(int n) => h.Reason(Claiming("customer/6", genuine: true), source: $"stolen-key/{n % 4}"); // no source empties
        Assert.All(Enumerable.Range(0, Tight.Burst), n => Assert.Null(Send(n)));
        var blockedAt = h.Time.GetUtcNow();
        Assert.All(Enumerable.Range(0, Tight.Strikes), n => Assert.Equal(RateLimitReasons.RateLimited, Send(n)));
        Assert.True(layer.IsBlocked("customer/6"));
        Assert.Equal(new SenderBlock("customer/6", blockedAt, blockedAt.AddSeconds(5)), Assert.Single(layer.BlockedSenders));
        Assert.Null(Assert.Single(layer.BlockHistory).Source);

        // Blocked after authentication: its frames, from any source, are now dropped at admission, before any crypto.
        var opened = authenticity.Opened;
        Assert.Equal(RateLimitReasons.SenderBlocked, h.Reason(Claiming("customer/6", genuine: true), source: "fresh/0"));
        Assert.Equal(opened, authenticity.Opened);
        Assert.Null(h.Reason(Claiming("customer/7", genuine: true), source: "stolen-key/0"));

        h.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(layer.IsBlocked("customer/6"));
        Assert.Null(h.Reason(Claiming("customer/6", genuine: true)));
        Assert.Equal(
            [.. Enumerable.Repeat(("ratelimit", "rate-limited"), Tight.Strikes), ("ratelimit", "sender-blocked")],
            h.EventList.Select(e => (e.Layer, e.Reason)));
    }

    [Fact]
    public void An_authenticated_flooder_from_its_own_origin_is_contained_at_admission()
    {
        var h = Harness();
        var layer = h.Layer<RateLimitLayer>();
        var refusals = Enumerable.Range(0, 20).Select(_ => h.Reason(Claiming("customer/6", genuine: true))).ToArray();

        Assert.Equal(Tight.Burst, refusals.Count(r => r is null));
        Assert.Equal([RateLimitReasons.RateLimited, RateLimitReasons.RateLimited, RateLimitReasons.RateLimited], refusals.Skip(Tight.Burst).Take(Tight.Strikes));
        Assert.All(refusals.Skip(Tight.Burst + Tight.Strikes), r => Assert.Equal(RateLimitReasons.SourceBlocked, r));
        Assert.True(layer.IsSourceBlocked("customer/6"));
        Assert.Equal(h.Time.GetUtcNow(), layer.FirstBlockedAt("customer/6")); // containment, as the runner measures it
    }

    /// <summary>Accepts key id "genuine" (marking the context authenticated), refuses everything else as a bad signature.</summary>
    private sealed class StandInAuthenticity : IDefenseLayer
    {
        public int Opened { get; private set; }

        public string Name => "sign";

        public DefenseStage Stage => DefenseStage.Authenticity;

        public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(envelope);

        public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context)
        {
            Opened++;
            context.Authenticated = envelope.KeyId == "genuine";
            return ValueTask.FromResult(context.Authenticated ? OpenResult.Continue(envelope) : OpenResult.Reject("bad-signature"));
        }
    }

    /// <summary>Refuses a (sender, sequence) seen before.</summary>
    private sealed class StandInReplay : IDefenseLayer
    {
        private readonly HashSet<(string, ulong)> _seen = [];

        public string Name => "replay";

        public DefenseStage Stage => DefenseStage.Freshness;

        public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(envelope);

        public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context) =>
            ValueTask.FromResult(_seen.Add((envelope.Sender, envelope.Sequence)) ? OpenResult.Continue(envelope) : OpenResult.Reject("replay-duplicate"));
    }
}
