using Testbed.Defenses;
using Testbed.Defenses.Replay;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.GuardsSupport;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Defenses.Replay;

public class ReplayWindowModeTests
{
    // The clock starts at the unix epoch, so messages stamped 0 are fresh until the max age passes.
    private static GuardHarness Harness(int windowSize = 8192, ReplayOptions? options = null) =>
        new(b => b.AddLayer("session", _ => new PassThroughSessionLayer()).AddReplay((options ?? new ReplayOptions()) with { WindowSize = windowSize }), DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_message_older_than_max_age_plus_tolerance_is_stale_however_new_its_sequence()
    {
        var h = Harness(options: new ReplayOptions { MaxAge = TimeSpan.FromSeconds(1), Tolerance = TimeSpan.FromMilliseconds(500) });
        h.Time.Advance(TimeSpan.FromMilliseconds(1500));
        Assert.Null(h.Reason(Msg(1))); // exactly at the bound: accepted
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(ReplayReasons.Stale, h.Reason(Msg(2))); // a request withheld by the network, never seen before
        Assert.Null(h.Reason(GuardHarness.Message("payments/0", "account/1", EnvelopeKind.Debit, 2, timestampMs: 1501, keyId: "s=3f2a9c01.1+k=1")));
        Assert.Equal(ReplayReasons.Future, h.Reason(GuardHarness.Message("payments/0", "account/1", EnvelopeKind.Debit, 3, timestampMs: 3002, keyId: "s=3f2a9c01.1+k=1")));
        Assert.Equal([("replay", ReplayReasons.Stale, "payments/0"), ("replay", ReplayReasons.Future, "payments/0")], h.EventList);
    }

    [Fact]
    public void Window_mode_reads_max_age_and_tolerance_and_refuses_the_timestamp_modes_keys()
    {
        var options = ReplayOptions.FromSettings(new Dictionary<string, string> { ["maxAge"] = "250ms", ["tolerance"] = "50ms" });
        Assert.Equal(300, options.MaxAgeMs);
        Assert.Equal(3000, new ReplayOptions().MaxAgeMs); // defaults: 1 s + 2 s
        Assert.Contains("timestamp", Assert.Throws<ArgumentException>(() => ReplayOptions.FromSettings(new Dictionary<string, string> { ["window"] = "1s" })).Message);
        Assert.Contains("window", Assert.Throws<ArgumentException>(() => ReplayOptions.FromSettings(new Dictionary<string, string> { ["mode"] = "timestamp", ["maxAge"] = "1s" })).Message);
    }

    private static Envelope Msg(ulong sequence, string session = "3f2a9c01.1", string from = "payments/0") =>
        GuardHarness.Message(from, "account/1", EnvelopeKind.Debit, sequence, keyId: $"s={session}+k=1");

    [Fact]
    public void A_replayed_message_is_rejected_and_recorded()
    {
        var h = Harness();
        Assert.Null(h.Reason(Msg(1)));
        Assert.Null(h.Reason(Msg(2)));
        Assert.Equal(ReplayReasons.Duplicate, h.Reason(Msg(2)));
        Assert.Equal(ReplayReasons.Duplicate, h.Reason(Msg(1)));
        Assert.Equal([("replay", "replay-duplicate", "payments/0"), ("replay", "replay-duplicate", "payments/0")], h.EventList);
        var e = h.Events.Events.First();
        Assert.Equal("account/1", e.Recipient);
        Assert.Equal(EnvelopeKind.Debit, e.Kind);
        Assert.Equal(h.Time.GetUtcNow(), e.Time);
    }

    [Fact]
    public void An_in_window_reorder_is_accepted_exactly_once()
    {
        var h = Harness();
        Assert.Null(h.Reason(Msg(10)));
        Assert.Null(h.Reason(Msg(7)));
        Assert.Null(h.Reason(Msg(9)));
        Assert.Null(h.Reason(Msg(8)));
        foreach (ulong s in new ulong[] { 7, 8, 9, 10 })
        {
            Assert.Equal(ReplayReasons.Duplicate, h.Reason(Msg(s)));
        }

        Assert.Equal(4, h.Events.Count);
    }

    [Fact]
    public void A_message_older_than_the_window_is_rejected()
    {
        var h = Harness(windowSize: 128);
        Assert.Null(h.Reason(Msg(1000)));
        Assert.Null(h.Reason(Msg(1000 - 64)));
        Assert.Equal(ReplayReasons.TooOld, h.Reason(Msg(1000 - 65)));
        Assert.Equal([("replay", "replay-too-old", "payments/0")], h.EventList);
    }

    [Fact]
    public void Windows_are_per_sender_and_session_and_per_receiving_principal()
    {
        var h = Harness();
        Assert.Null(h.Reason(Msg(5)));
        Assert.Null(h.Reason(Msg(5, session: "3f2a9c01.2")));
        Assert.Null(h.Reason(Msg(5, from: "payments/1")));
        Assert.Null(h.Reason(Msg(5) with { Recipient = "account/2" }));
        Assert.Equal(ReplayReasons.Duplicate, h.Reason(Msg(5, session: "3f2a9c01.2")));
    }

    [Fact]
    public void No_session_segment_and_sequence_zero_are_rejected()
    {
        var h = Harness();
        Assert.Equal(ReplayReasons.NoSession, h.Reason(Msg(1) with { KeyId = "k=1" }));
        Assert.Equal(ReplayReasons.NoSession, h.Reason(Msg(1) with { KeyId = "s=a+s=b" }));
        Assert.Equal(ReplayReasons.BadSequence, h.Reason(Msg(0)));
        Assert.Equal(["no-session", "no-session", "bad-sequence"], h.EventList.Select(e => e.Reason));
    }

    [Fact]
    public void Handshakes_pass_untouched_and_do_not_use_the_window()
    {
        var h = Harness();
        var offer = GuardHarness.Message("payments/0", "account/1", EnvelopeKind.Handshake, 1);
        Assert.Null(h.Reason(offer));
        Assert.Null(h.Reason(offer));
        Assert.Null(h.Reason(offer with { Kind = EnvelopeKind.HandshakeReply }, WireDirection.Reply));
        Assert.Null(h.Reason(Msg(1)));
        Assert.Same(offer, h.Seal(offer));
    }

    [Fact]
    public void Replies_are_checked_like_requests()
    {
        var h = Harness();
        var reply = Msg(3) with { Kind = EnvelopeKind.DebitReply };
        Assert.Null(h.Reason(reply, WireDirection.Reply));
        Assert.Equal(ReplayReasons.Duplicate, h.Reason(reply, WireDirection.Reply));
    }

    [Fact]
    public void Window_mode_seals_nothing_and_requires_the_session_defense()
    {
        var h = Harness();
        var m = Msg(1);
        Assert.Same(m, h.Seal(m));
        var error = Assert.Throws<ArgumentException>(() => new DefensePipelineBuilder().AddReplay().Validate());
        Assert.Contains("'session'", error.Message, StringComparison.Ordinal);
        new DefensePipelineBuilder().AddReplay(new ReplayOptions { Mode = ReplayMode.Timestamp }).Validate();
    }

    [Fact]
    public void Sessions_per_sender_are_bounded()
    {
        var windows = new SessionWindows(64);
        for (var i = 0; i <= SessionWindows.MaxSessionsPerSender; i++)
        {
            windows.For("a/1", $"s{i}").Accept(1);
        }

        Assert.Equal(1, windows.Evicted);
        Assert.Equal(WindowVerdict.Duplicate, windows.For("a/1", $"s{SessionWindows.MaxSessionsPerSender}").Check(1));
        Assert.Equal(WindowVerdict.Accepted, windows.For("a/1", "s0").Check(1)); // the least recently used was dropped
    }
}
