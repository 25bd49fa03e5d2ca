using Testbed.Defenses;
using Testbed.Defenses.Replay;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.GuardsSupport;
using Xunit;

namespace Testbed.Tests.Defenses.Replay;

/// <summary>
/// The nonce cache's quota per sender (timestamp mode): one sender holding its quota of live nonces is refused
/// (<c>replay-quota</c>) while everyone else still gets in, where a full cache used to refuse everyone (<c>replay-cache-full</c>).
/// </summary>
public class ReplayNonceQuotaTests
{
    private const long MaxAgeMs = 32_000; // window 30 s + tolerance 2 s

    private static GuardHarness Harness(int cacheSize, int? senderQuota = null, bool authenticate = false) =>
        new(b =>
        {
            b.AddReplay(new ReplayOptions { Mode = ReplayMode.Timestamp, CacheSize = cacheSize, SenderQuota = senderQuota });
            if (authenticate)
            {
                b.AddLayer("sign", _ => new AuthenticatingLayer());
            }
        });

    private static Envelope Sealed(GuardHarness h, string from, long offsetMs = 0) =>
        h.Seal(GuardHarness.Message(from, "payments/0", EnvelopeKind.Order, timestampMs: h.NowMs + offsetMs, keyId: "k=1"));

    [Fact]
    public void One_sender_filling_a_small_cache_no_longer_locks_everyone_out()
    {
        // cacheSize 8, quota 8 / 4 = 2: the flooder gets two nonces in, then only itself is refused.
        var h = Harness(cacheSize: 8, authenticate: true);
        var flood = Enumerable.Range(0, 50).Select(_ => h.Reason(Sealed(h, "customer/0"))).ToArray();
        Assert.All(flood[..2], Assert.Null);
        Assert.All(flood[2..], r => Assert.Equal(ReplayReasons.Quota, r));

        foreach (var innocent in new[] { "customer/1", "customer/2", "account/3" })
        {
            Assert.Null(h.Reason(Sealed(h, innocent)));
            Assert.Null(h.Reason(Sealed(h, innocent)));
        }

        Assert.Equal(48, h.EventList.Count(e => e == ("replay", ReplayReasons.Quota, "customer/0")));
        Assert.Equal(48, h.Events.Count); // no innocent sender refused
    }

    [Fact]
    public void A_full_cache_still_fails_closed_once_enough_senders_hold_their_quota()
    {
        var h = Harness(cacheSize: 4, senderQuota: 2, authenticate: true);
        Assert.Null(h.Reason(Sealed(h, "customer/1")));
        Assert.Null(h.Reason(Sealed(h, "customer/1")));
        Assert.Null(h.Reason(Sealed(h, "customer/2")));
        Assert.Null(h.Reason(Sealed(h, "customer/2")));
        Assert.Equal(ReplayReasons.CacheFull, h.Reason(Sealed(h, "customer/3"))); // never forgets a live nonce
        Assert.Equal(ReplayReasons.CacheFull, h.Reason(Sealed(h, "customer/1"))); // full is full, whoever asks
    }

    [Fact]
    public void Quota_frees_up_as_the_senders_nonces_expire()
    {
        var h = Harness(cacheSize: 8, senderQuota: 2, authenticate: true);
        Assert.Null(h.Reason(Sealed(h, "customer/0", -MaxAgeMs + 500)));
        var live = Sealed(h, "customer/0");
        Assert.Null(h.Reason(live));
        Assert.Equal(ReplayReasons.Quota, h.Reason(Sealed(h, "customer/0")));

        h.Time.Advance(TimeSpan.FromMilliseconds(501)); // the older nonce can no longer pass the timestamp check
        Assert.Null(h.Reason(Sealed(h, "customer/0")));
        Assert.Equal(ReplayReasons.Quota, h.Reason(Sealed(h, "customer/0")));
        Assert.Equal(ReplayReasons.Duplicate, h.Reason(live)); // the live one was never forgotten
    }

    [Fact]
    public void Without_authentication_the_quota_is_charged_to_the_wire_source_not_to_the_claimed_sender()
    {
        // No layer authenticates: junk claiming customer/2 from an injecting source uses up that source's quota, and the
        // real customer/2 (its own principal as source) keeps its own.
        var h = Harness(cacheSize: 8, senderQuota: 2);
        const string injector = "sys.client/hosted-127.0.0.1:11111@1";
        var junk = Enumerable.Range(0, 10).Select(_ => h.Reason(Sealed(h, "customer/2"), source: injector)).ToArray();
        Assert.Equal(8, junk.Count(r => r == ReplayReasons.Quota));

        Assert.Null(h.Reason(Sealed(h, "customer/2")));
        Assert.Null(h.Reason(Sealed(h, "customer/2")));
        Assert.Equal(ReplayReasons.Quota, h.Reason(Sealed(h, "customer/2")));
    }

    [Fact]
    public void An_authenticated_sender_is_charged_whatever_source_carried_it()
    {
        var h = Harness(cacheSize: 8, senderQuota: 2, authenticate: true);
        Assert.Null(h.Reason(Sealed(h, "customer/0"), source: "source/a"));
        Assert.Null(h.Reason(Sealed(h, "customer/0"), source: "source/b"));
        Assert.Equal(ReplayReasons.Quota, h.Reason(Sealed(h, "customer/0"), source: "source/c"));
    }

    [Fact]
    public void Nonce_cache_counts_live_entries_per_party_and_refuses_one_at_its_quota_while_there_is_room()
    {
        var cache = new NonceCache(4, senderQuota: 2);
        Assert.Equal(NonceVerdict.Added, cache.TryAdd("a/1", 1, expiresAtMs: 100, nowMs: 0));
        Assert.Equal(NonceVerdict.Added, cache.TryAdd("a/1", 2, expiresAtMs: 200, nowMs: 0, chargedTo: "src"));
        Assert.Equal(NonceVerdict.Added, cache.TryAdd("b/1", 1, expiresAtMs: 200, nowMs: 0, chargedTo: "src"));
        Assert.Equal((1, 2, 3), (cache.CountOf("a/1"), cache.CountOf("src"), cache.Count));
        Assert.Equal(NonceVerdict.OverQuota, cache.TryAdd("c/1", 1, expiresAtMs: 300, nowMs: 0, chargedTo: "src"));
        Assert.Equal(NonceVerdict.Added, cache.TryAdd("c/1", 1, expiresAtMs: 300, nowMs: 0));
        Assert.Equal(NonceVerdict.Full, cache.TryAdd("d/1", 1, expiresAtMs: 300, nowMs: 0));
        Assert.Equal(NonceVerdict.Duplicate, cache.TryAdd("b/1", 1, expiresAtMs: 300, nowMs: 0, chargedTo: "other"));

        Assert.Equal(NonceVerdict.Added, cache.TryAdd("d/1", 1, expiresAtMs: 300, nowMs: 101)); // a/1's first expired
        Assert.Equal((0, 2, 1, 4), (cache.CountOf("a/1"), cache.CountOf("src"), cache.CountOf("d/1"), cache.Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NonceCache(3, senderQuota: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NonceCache(3, senderQuota: 0));
        Assert.Equal(3, new NonceCache(3).SenderQuota);
    }

    /// <summary>Marks every message authenticated, as the sign layer does once a signature verifies.</summary>
    private sealed class AuthenticatingLayer : IDefenseLayer
    {
        public string Name => "sign";

        public DefenseStage Stage => DefenseStage.Authenticity;

        public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(envelope);

        public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context)
        {
            context.Authenticated = true;
            return ValueTask.FromResult(OpenResult.Continue(envelope));
        }
    }
}
