using Testbed.Defenses.Replay;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.GuardsSupport;
using Xunit;

namespace Testbed.Tests.Defenses.Replay;

/// <summary>
/// The durable replay horizon of timestamp mode: the nonce cache dies with an endpoint ("activation"); the lease in the
/// environment's <see cref="IReplayHorizonStore"/> does not, so a new endpoint refuses what the old one may have accepted.
/// </summary>
public class ReplayHorizonTests
{
    private const string Receiver = "payments/0";
    private const long LeaseMs = 1_000;

    private static GuardHarness Harness() =>
        new(b => b.AddReplay(new ReplayOptions { Mode = ReplayMode.Timestamp, HorizonLease = TimeSpan.FromMilliseconds(LeaseMs) }));

    private static Envelope Sealed(GuardHarness h, long offsetMs = 0, string from = "customer/1") =>
        h.Seal(GuardHarness.Message(from, Receiver, EnvelopeKind.Order, timestampMs: h.NowMs + offsetMs, keyId: "k=1"));

    private static InMemoryReplayHorizonStore Store(GuardHarness h) => (InMemoryReplayHorizonStore)h.Environment.ReplayHorizons;

    private static async Task<long?> StoredLease(GuardHarness h) => await h.Environment.ReplayHorizons.ReadAsync(Receiver);

    [Fact]
    public async Task The_first_message_persists_a_lease_past_its_timestamp_and_later_ones_below_it_write_nothing()
    {
        var h = Harness();
        var first = Sealed(h);
        Assert.Null(h.Reason(first));
        Assert.Equal(first.TimestampMs + LeaseMs, await StoredLease(h));
        Assert.Equal(1, Store(h).Writes);

        h.Time.Advance(TimeSpan.FromMilliseconds(LeaseMs - 1));
        Assert.Null(h.Reason(Sealed(h))); // stamped below the persisted lease: accepted without a write
        Assert.Null(h.Reason(Sealed(h, from: "customer/2")));
        Assert.Equal(1, Store(h).Writes);
    }

    [Fact]
    public async Task A_message_stamped_at_the_lease_extends_it_before_it_is_accepted()
    {
        var h = Harness();
        var first = Sealed(h);
        Assert.Null(h.Reason(first));
        h.Time.Advance(TimeSpan.FromMilliseconds(LeaseMs));
        var atLease = Sealed(h);
        Assert.Equal(first.TimestampMs + LeaseMs, atLease.TimestampMs);
        Assert.Null(h.Reason(atLease));
        Assert.Equal(atLease.TimestampMs + LeaseMs, await StoredLease(h));
        Assert.Equal(2, Store(h).Writes);
    }

    [Fact]
    public void A_first_ever_activation_refuses_nothing_fresh()
    {
        var h = Harness();
        Assert.Null(h.Reason(Sealed(h, -3_000))); // as old as the age check allows (window 30 s): no predecessor, no horizon
        Assert.Null(h.Reason(Sealed(h)));
        Assert.Empty(h.EventList);
    }

    [Fact]
    public async Task A_new_activation_refuses_every_message_stamped_at_or_below_its_predecessors_lease()
    {
        var h = Harness();
        var accepted = Sealed(h);
        Assert.Null(h.Reason(accepted));
        var lease = accepted.TimestampMs + LeaseMs;

        h.Reactivate(Receiver); // the nonce cache is gone
        h.Time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(ReplayReasons.BeforeHorizon, h.Reason(accepted)); // the byte-identical replay
        var unseen = Sealed(h); // fresh and never seen, but stamped below the lease: the predecessor cannot vouch for it
        Assert.True(unseen.TimestampMs < lease);
        Assert.Equal(ReplayReasons.BeforeHorizon, h.Reason(unseen));
        h.Time.Advance(TimeSpan.FromMilliseconds(lease - h.NowMs));
        Assert.Equal(ReplayReasons.BeforeHorizon, h.Reason(Sealed(h))); // exactly at the lease

        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        var retry = Sealed(h); // a retry sealed afresh passes, and raises the lease for the next activation
        Assert.Null(h.Reason(retry));
        Assert.Equal(ReplayReasons.Duplicate, h.Reason(retry)); // the new activation's cache has it
        Assert.Equal(retry.TimestampMs + LeaseMs, await StoredLease(h));
        Assert.Equal(
            [("replay", "replay-before-horizon", "customer/1"), ("replay", "replay-before-horizon", "customer/1"),
             ("replay", "replay-before-horizon", "customer/1"), ("replay", "replay-duplicate", "customer/1")],
            h.EventList);
    }

    [Fact]
    public async Task A_graceful_close_lowers_the_lease_to_the_latest_accepted_timestamp()
    {
        var h = Harness();
        var accepted = Sealed(h);
        Assert.Null(h.Reason(accepted));
        h.Time.Advance(TimeSpan.FromMilliseconds(10));
        var last = Sealed(h);
        Assert.Null(h.Reason(last));
        await h.Endpoint(Receiver).CloseAsync(); // the grain deactivates
        Assert.Equal(last.TimestampMs, await StoredLease(h));
        Assert.Equal(ReplayReasons.HorizonUnavailable, h.Reason(Sealed(h, 1))); // the ending activation accepts nothing more

        h.Reactivate(Receiver);
        Assert.Equal(ReplayReasons.BeforeHorizon, h.Reason(accepted));
        Assert.Equal(ReplayReasons.BeforeHorizon, h.Reason(last));
        Assert.Null(h.Reason(Sealed(h, 1))); // stamped after everything the predecessor accepted: no lease-long refusal
    }

    [Fact]
    public async Task A_close_does_not_lower_a_lease_another_activation_raised()
    {
        var h = Harness();
        Assert.Null(h.Reason(Sealed(h)));
        var store = h.Environment.ReplayHorizons;
        var raised = await store.ExtendAsync(Receiver, h.NowMs + 5 * LeaseMs); // e.g. a duplicate activation elsewhere
        await h.Endpoint(Receiver).CloseAsync();
        Assert.Equal(raised, await StoredLease(h));
    }

    [Fact]
    public void The_horizon_is_per_receiving_principal()
    {
        var h = Harness();
        Assert.Null(h.Reason(Sealed(h)));
        h.Reactivate(Receiver);
        var other = h.Seal(GuardHarness.Message("customer/1", "payments/1", EnvelopeKind.Order, timestampMs: h.NowMs, keyId: "k=1"));
        Assert.Null(h.Reason(other)); // payments/1 never accepted anything
    }

    [Fact]
    public async Task Comparisons_use_message_timestamps_not_the_receivers_clock()
    {
        var h = Harness();
        var ahead = Sealed(h, 1_500); // a sender whose clock runs 1.5 s ahead (within the age check)
        Assert.Null(h.Reason(ahead));
        Assert.Equal(ahead.TimestampMs + LeaseMs, await StoredLease(h));
        h.Reactivate(Receiver);
        h.Time.Advance(TimeSpan.FromMilliseconds(2_000)); // by the receiver's clock the lease is long past…
        Assert.Equal(ReplayReasons.BeforeHorizon, h.Reason(Sealed(h))); // …but this sender's stamp is not beyond it
        Assert.Null(h.Reason(Sealed(h, 501)));
    }

    [Fact]
    public void A_store_that_cannot_be_written_fails_closed()
    {
        var h = new GuardHarness(b => b.AddReplay(new ReplayOptions { Mode = ReplayMode.Timestamp }), horizons: new BrokenStore());
        Assert.Equal(ReplayReasons.HorizonUnavailable, h.Reason(Sealed(h)));
    }

    [Fact]
    public void Replay_options_read_horizon_lease_in_timestamp_mode_only()
    {
        var options = ReplayOptions.FromSettings(new Dictionary<string, string> { ["mode"] = "timestamp", ["horizonLease"] = "250ms" });
        Assert.Equal(250, options.HorizonLeaseMs);
        Assert.Equal(1_000, new ReplayOptions().HorizonLeaseMs);
        Assert.Contains("applies only to mode timestamp",
            Assert.Throws<ArgumentException>(() => ReplayOptions.FromSettings(new Dictionary<string, string> { ["horizonLease"] = "1s" })).Message);
        Assert.Throws<ArgumentException>(() => ReplayOptions.FromSettings(new Dictionary<string, string> { ["mode"] = "timestamp", ["horizonLease"] = "0s" }));
    }

    private sealed class BrokenStore : IReplayHorizonStore
    {
        public ValueTask<long?> ReadAsync(string principal) => ValueTask.FromResult<long?>(null);

        public ValueTask<long> ExtendAsync(string principal, long leaseMs) => ValueTask.FromException<long>(new IOException("storage down"));

        public ValueTask<bool> CloseAsync(string principal, long leaseMs, long lastAcceptedMs) => ValueTask.FromResult(false);
    }
}
