using Testbed.Defenses;
using Testbed.Defenses.RateLimit;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.GuardsSupport;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Defenses.RateLimit;

public class RateLimitLayerTests
{
    private static GuardHarness Harness(RateLimitOptions options) => new(b => b.AddRateLimit(options));

    private static Envelope From(string sender, EnvelopeKind kind = EnvelopeKind.Echo) => GuardHarness.Message(sender, "echo/0", kind);

    private static int Admitted(GuardHarness h, string sender, int attempts, EnvelopeKind kind = EnvelopeKind.Echo) =>
        Enumerable.Range(0, attempts).Count(_ => h.Reason(From(sender, kind)) is null);

    [Fact]
    public void A_burst_passes_then_the_sender_is_rate_limited_until_fake_time_replenishes()
    {
        var h = Harness(new RateLimitOptions { Rate = 10, Burst = 5, Strikes = 1000 });
        Assert.Equal(5, Admitted(h, "bench/0", 5));
        Assert.Equal(RateLimitReasons.RateLimited, h.Reason(From("bench/0")));

        h.Time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(RateLimitReasons.RateLimited, h.Reason(From("bench/0")));
        h.Time.Advance(TimeSpan.FromMilliseconds(1)); // 100 ms at 10/s: exactly one token
        Assert.Equal(1, Admitted(h, "bench/0", 3));

        h.Time.Advance(TimeSpan.FromMinutes(1)); // refills to the burst, no further
        Assert.Equal(5, Admitted(h, "bench/0", 8));

        Assert.Equal(7, h.EventList.Count);
        Assert.All(h.EventList, e => Assert.Equal(("ratelimit", "rate-limited", "bench/0"), e));
        var stats = h.Layer<RateLimitLayer>().GetStatistics();
        Assert.Equal((11L, 7L, 0L), (stats.Admitted, stats.RateLimited, stats.Blocks));
    }

    [Fact]
    public void Sources_have_separate_buckets()
    {
        var h = Harness(new RateLimitOptions { Rate = 1, Burst = 2 });
        Assert.Equal(2, Admitted(h, "customer/1", 4));
        Assert.Equal(2, Admitted(h, "customer/2", 4));
        var stats = h.Layer<RateLimitLayer>().GetStatistics();
        Assert.Equal((2, 0), (stats.TrackedSources, stats.TrackedPrincipals)); // no authenticating layer: no principal is charged
    }

    [Fact]
    public void Handshakes_count_against_the_same_bucket()
    {
        var h = Harness(new RateLimitOptions { Rate = 1, Burst = 3 });
        Assert.Equal(3, Admitted(h, "customer/1", 5, EnvelopeKind.Handshake));
        Assert.Equal(RateLimitReasons.RateLimited, h.Reason(From("customer/1")));
        Assert.Equal([EnvelopeKind.Handshake, EnvelopeKind.Handshake, EnvelopeKind.Echo], h.Events.Events.Select(e => e.Kind));
    }

    [Fact]
    public void Replies_are_not_limited()
    {
        var h = Harness(new RateLimitOptions { Rate = 1, Burst = 1, Concurrency = 1 });
        Assert.Null(h.Reason(From("payments/0")));
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(h.Reason(From("payments/0", EnvelopeKind.EchoReply), WireDirection.Reply));
        }

        Assert.Equal(0, h.Events.Count);
    }

    [Fact]
    public void The_concurrency_bound_holds_until_the_context_is_released()
    {
        var h = Harness(new RateLimitOptions { Concurrency = 2 });
        var (first, firstContext) = h.Open(From("customer/1"));
        var (second, _) = h.Open(From("customer/2"));
        Assert.Equal(OpenOutcome.Continue, first.Result.Outcome);
        Assert.Equal(OpenOutcome.Continue, second.Result.Outcome);
        Assert.Equal(2, h.Layer<RateLimitLayer>().GetStatistics().InFlight);

        Assert.Equal(RateLimitReasons.Overloaded, h.Reason(From("customer/3")));

        firstContext.Release();
        Assert.Equal(1, h.Layer<RateLimitLayer>().GetStatistics().InFlight);
        var (third, thirdContext) = h.Open(From("customer/3"));
        Assert.Equal(OpenOutcome.Continue, third.Result.Outcome);
        thirdContext.Release();
        Assert.Equal([("ratelimit", "overloaded", "customer/3")], h.EventList);
        Assert.Equal(1, h.Layer<RateLimitLayer>().GetStatistics().Overloaded);
    }

    [Fact]
    public void A_source_refused_strikes_times_is_blocked_for_block_for_then_released()
    {
        var h = Harness(new RateLimitOptions { Rate = 10, Burst = 2, Strikes = 3, BlockFor = TimeSpan.FromSeconds(5) });
        var layer = h.Layer<RateLimitLayer>();
        Assert.Equal(2, Admitted(h, "customer/6", 2));
        Assert.Equal(RateLimitReasons.RateLimited, h.Reason(From("customer/6")));
        Assert.Equal(RateLimitReasons.RateLimited, h.Reason(From("customer/6")));
        Assert.False(layer.IsSourceBlocked("customer/6"));
        var blockedAt = h.Time.GetUtcNow();
        Assert.Equal(RateLimitReasons.RateLimited, h.Reason(From("customer/6"))); // third strike
        Assert.True(layer.IsSourceBlocked("customer/6"));
        Assert.False(layer.IsBlocked("customer/6")); // the source is blocked, not the principal: nothing authenticated it

        h.Time.Advance(TimeSpan.FromSeconds(1)); // the bucket refills, but a blocked source is not let through
        Assert.Equal(RateLimitReasons.SourceBlocked, h.Reason(From("customer/6")));
        Assert.Null(h.Reason(From("customer/7")));
        Assert.False(layer.IsSourceBlocked("customer/7"));

        var block = Assert.Single(layer.BlockHistory);
        Assert.Equal(new SenderBlock("customer/6", blockedAt, blockedAt.AddSeconds(5)) { Source = "customer/6" }, block);
        Assert.Empty(layer.BlockedSenders);
        Assert.Equal(blockedAt, layer.FirstBlockedAt("customer/6"));
        Assert.Null(layer.FirstBlockedAt("customer/7"));

        h.Time.Advance(TimeSpan.FromSeconds(4) - TimeSpan.FromTicks(1));
        Assert.Equal(RateLimitReasons.SourceBlocked, h.Reason(From("customer/6")));
        h.Time.Advance(TimeSpan.FromTicks(1));
        Assert.False(layer.IsSourceBlocked("customer/6"));
        Assert.Equal(2, Admitted(h, "customer/6", 2)); // back with a full bucket

        Assert.Equal(
            ["rate-limited", "rate-limited", "rate-limited", "source-blocked", "source-blocked"],
            h.EventList.Select(e => e.Reason));
        var stats = layer.GetStatistics();
        Assert.Equal((1L, 2L, 3L), (stats.Blocks, stats.RefusedWhileBlocked, stats.RateLimited));
    }

    [Fact]
    public void Strikes_spread_wider_than_block_for_do_not_block()
    {
        var h = Harness(new RateLimitOptions { Rate = 0.001, Burst = 1, Strikes = 3, BlockFor = TimeSpan.FromSeconds(5) });
        var layer = h.Layer<RateLimitLayer>();
        Assert.Null(h.Reason(From("customer/1")));
        foreach (var gap in new[] { 0, 3000, 3000 })
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(gap));
            Assert.Equal(RateLimitReasons.RateLimited, h.Reason(From("customer/1")));
        }

        Assert.False(layer.IsSourceBlocked("customer/1")); // strikes at 0 s, 3 s, 6 s: the oldest of the last three is 6 s old
        h.Time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(RateLimitReasons.RateLimited, h.Reason(From("customer/1"))); // 3 s, 6 s, 6.5 s: within 5 s
        Assert.True(layer.IsSourceBlocked("customer/1"));
    }

    [Fact]
    public void A_full_source_table_refuses_new_sources_until_old_ones_are_idle()
    {
        var h = Harness(new RateLimitOptions { Rate = 10, Burst = 1, MaxSenders = 2 });
        Assert.Null(h.Reason(From("customer/1")));
        Assert.Null(h.Reason(From("customer/2")));
        Assert.Equal(RateLimitReasons.Overloaded, h.Reason(From("customer/3")));

        h.Time.Advance(TimeSpan.FromSeconds(1)); // both buckets full again: forgetting them changes nothing
        Assert.Null(h.Reason(From("customer/3")));
        Assert.Equal(1, h.Layer<RateLimitLayer>().GetStatistics().TrackedSources);
    }

    [Fact]
    public void Concurrent_requests_from_one_sender_take_exactly_the_burst()
    {
        var h = Harness(new RateLimitOptions { Rate = 0.001, Burst = 100, Strikes = 1000, Concurrency = 100_000 });
        var layer = h.Layer<RateLimitLayer>();
        var endpoint = h.Endpoint("echo/0");
        var admitted = 0;
        Parallel.For(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var context = new MessageContext { Endpoint = endpoint, Peer = "bench/0", Direction = WireDirection.Request, Source = "bench/0" };
            var result = layer.OpenAsync(From("bench/0"), context).AsTask().GetAwaiter().GetResult();
            if (result.Outcome == OpenOutcome.Continue)
            {
                Interlocked.Increment(ref admitted);
            }
        });

        Assert.Equal(100, admitted);
        var stats = layer.GetStatistics();
        Assert.Equal((100L, 1_000L, 900L, 1L, 100), (stats.Admitted, stats.RateLimited, stats.RefusedWhileBlocked, stats.Blocks, stats.InFlight));
    }

    [Fact]
    public void Seal_is_a_no_op()
    {
        var h = Harness(new RateLimitOptions());
        var m = From("customer/1");
        Assert.Same(m, h.Seal(m));
        Assert.Equal(DefenseStage.Admission, h.Layer<RateLimitLayer>().Stage);
    }
}
