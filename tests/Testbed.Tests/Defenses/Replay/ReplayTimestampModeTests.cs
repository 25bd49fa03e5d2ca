using Testbed.Defenses;
using Testbed.Defenses.Replay;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.GuardsSupport;
using Xunit;

namespace Testbed.Tests.Defenses.Replay;

public class ReplayTimestampModeTests
{
    private const long MaxAgeMs = 32_000; // window 30 s + tolerance 2 s

    private static GuardHarness Harness(int cacheSize = 100_000, int? senderQuota = null) =>
        new(b => b.AddReplay(new ReplayOptions { Mode = ReplayMode.Timestamp, CacheSize = cacheSize, SenderQuota = senderQuota }));

    /// <summary>Seals a fresh message from <paramref name="from"/> stamped <paramref name="offsetMs"/> from now.</summary>
    private static Envelope Sealed(GuardHarness h, long offsetMs = 0, string from = "customer/1") =>
        h.Seal(GuardHarness.Message(from, "payments/0", EnvelopeKind.Order, timestampMs: h.NowMs + offsetMs, keyId: "k=1"));

    [Fact]
    public void Seal_adds_a_fresh_hex_nonce_segment_and_keeps_the_others()
    {
        var h = Harness();
        var a = Sealed(h);
        var b = Sealed(h);
        Assert.True(KeyIdSegments.TryGet(a.KeyId, "k", out var version));
        Assert.Equal("1", version);
        Assert.True(KeyIdSegments.TryGet(a.KeyId, "n", out var nonceA));
        Assert.True(KeyIdSegments.TryGet(b.KeyId, "n", out var nonceB));
        Assert.Matches("^[0-9a-f]{16}$", nonceA);
        Assert.NotEqual(nonceA, nonceB);
        Assert.True(PrincipalId.IsValidKeyId(a.KeyId));
        EnvelopeCodec.Encode(a); // still a valid envelope
    }

    [Fact]
    public void Seal_runs_before_the_authenticity_stage()
    {
        var order = new List<string>();
        var h = new GuardHarness(b => b
            .AddLayer("sign", _ => new RecordingLayer(DefenseStage.Authenticity, order))
            .AddReplay(new ReplayOptions { Mode = ReplayMode.Timestamp }));
        var sealedMessage = h.Seal(GuardHarness.Message("customer/1", "payments/0"));
        Assert.Equal(["sign saw n=yes"], order);
        Assert.True(KeyIdSegments.TryGet(sealedMessage.KeyId, "n", out _));
    }

    [Fact]
    public void Timestamps_exactly_at_the_edges_pass_and_one_millisecond_beyond_is_rejected()
    {
        var h = Harness();
        Assert.Null(h.Reason(Sealed(h, -MaxAgeMs)));
        Assert.Equal(ReplayReasons.Stale, h.Reason(Sealed(h, -MaxAgeMs - 1)));
        Assert.Null(h.Reason(Sealed(h, MaxAgeMs)));
        Assert.Equal(ReplayReasons.Future, h.Reason(Sealed(h, MaxAgeMs + 1)));
        Assert.Equal([("replay", "replay-stale", "customer/1"), ("replay", "replay-future", "customer/1")], h.EventList);
    }

    [Fact]
    public void The_edges_follow_the_options()
    {
        var h = new GuardHarness(b => b.AddReplay(ReplayOptions.FromSettings(new Dictionary<string, string>
        {
            ["mode"] = "timestamp", ["window"] = "1s", ["tolerance"] = "250ms",
        })));
        Assert.Null(h.Reason(Sealed(h, -1250)));
        Assert.Equal(ReplayReasons.Stale, h.Reason(Sealed(h, -1251)));
        Assert.Equal(ReplayReasons.Future, h.Reason(Sealed(h, 1251)));
    }

    [Fact]
    public void A_duplicate_nonce_is_rejected_until_the_message_is_stale_anyway()
    {
        var h = Harness();
        var m = Sealed(h);
        Assert.Null(h.Reason(m));
        Assert.Equal(ReplayReasons.Duplicate, h.Reason(m));
        h.Time.Advance(TimeSpan.FromMilliseconds(MaxAgeMs));
        Assert.Equal(ReplayReasons.Duplicate, h.Reason(m)); // still passes the timestamp check, so still remembered
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(ReplayReasons.Stale, h.Reason(m));
        Assert.Equal(["replay-duplicate", "replay-duplicate", "replay-stale"], h.EventList.Select(e => e.Reason));
    }

    [Fact]
    public void Nonces_are_remembered_per_sender()
    {
        var h = Harness();
        var m = Sealed(h);
        Assert.Null(h.Reason(m));
        Assert.Null(h.Reason(m with { Sender = "customer/2" }));
        Assert.Equal(ReplayReasons.Duplicate, h.Reason(m with { Sender = "customer/2" }));
    }

    [Theory]
    [InlineData("k=1")]
    [InlineData("k=1+n=")]
    [InlineData("n=12345")]
    [InlineData("n=0123456789abcdeg")]
    [InlineData("n=0123456789abcdef0")]
    [InlineData("n=0123456789abcdef+n=0123456789abcdef")]
    public void A_missing_or_malformed_nonce_is_rejected(string keyId)
    {
        var h = Harness();
        Assert.Equal(ReplayReasons.MissingNonce, h.Reason(GuardHarness.Message("customer/1", "payments/0", timestampMs: h.NowMs, keyId: keyId)));
        Assert.Equal([("replay", "missing-nonce", "customer/1")], h.EventList);
    }

    [Fact]
    public void A_full_cache_evicts_expired_entries_first_then_fails_closed()
    {
        var h = Harness(cacheSize: 3, senderQuota: 3); // one sender may fill it (see ReplayNonceQuotaTests for the quota)
        var old1 = Sealed(h, -MaxAgeMs + 1_000);
        var old2 = Sealed(h, -MaxAgeMs + 1_000);
        var fresh = Sealed(h);
        Assert.Null(h.Reason(old1));
        Assert.Null(h.Reason(old2));
        Assert.Null(h.Reason(fresh));

        Assert.Equal(ReplayReasons.CacheFull, h.Reason(Sealed(h)));

        h.Time.Advance(TimeSpan.FromMilliseconds(1_001)); // old1 and old2 can no longer pass; fresh still can
        Assert.Null(h.Reason(Sealed(h)));
        Assert.Null(h.Reason(Sealed(h)));
        Assert.Equal(ReplayReasons.CacheFull, h.Reason(Sealed(h)));
        Assert.Equal(ReplayReasons.Duplicate, h.Reason(fresh)); // a live nonce was never forgotten
        Assert.Equal(["replay-cache-full", "replay-cache-full", "replay-duplicate"], h.EventList.Select(e => e.Reason));
    }

    [Fact]
    public void Nonce_cache_counts_and_drops_expired_entries()
    {
        var cache = new NonceCache(2);
        Assert.Equal(NonceVerdict.Added, cache.TryAdd("a/1", 1, expiresAtMs: 100, nowMs: 0));
        Assert.Equal(NonceVerdict.Added, cache.TryAdd("a/1", 2, expiresAtMs: 200, nowMs: 0));
        Assert.Equal(NonceVerdict.Duplicate, cache.TryAdd("a/1", 1, expiresAtMs: 100, nowMs: 0));
        Assert.Equal(NonceVerdict.Full, cache.TryAdd("a/1", 3, expiresAtMs: 300, nowMs: 100));
        Assert.Equal(NonceVerdict.Added, cache.TryAdd("a/1", 3, expiresAtMs: 300, nowMs: 101));
        Assert.False(cache.Contains("a/1", 1));
        Assert.Equal(2, cache.Count);
        Assert.Equal(1, cache.Expired);
    }

    [Fact]
    public void Handshakes_pass_without_a_nonce_and_are_sealed_unchanged()
    {
        var h = new GuardHarness(b => b.AddReplay(new ReplayOptions { Mode = ReplayMode.Timestamp }).AddLayer("session", _ => new PassThroughSessionLayer()));
        var offer = GuardHarness.Message("customer/1", "payments/0", EnvelopeKind.Handshake, timestampMs: 0);
        Assert.Same(offer, h.Seal(offer));
        Assert.Null(h.Reason(offer));
        Assert.Null(h.Reason(offer));
        Assert.Equal(0, h.Events.Count);
    }

    private sealed class RecordingLayer(DefenseStage stage, List<string> log) : IDefenseLayer
    {
        public string Name => "sign";

        public DefenseStage Stage => stage;

        public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context)
        {
            log.Add($"sign saw n={(KeyIdSegments.TryGet(envelope.KeyId, "n", out _) ? "yes" : "no")}");
            return ValueTask.FromResult(envelope);
        }

        public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(OpenResult.Continue(envelope));
    }
}
