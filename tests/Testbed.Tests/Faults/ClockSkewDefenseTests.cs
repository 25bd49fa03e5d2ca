using System.Collections.Concurrent;
using Testbed.Hosting.Cluster;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Testbed.Time;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Faults;

/// <summary>Clock skew reaches the defenses through each silo's service clock: measured in full runs.</summary>
public sealed class ClockSkewDefenseTests
{
    private static async Task<(ScenarioResult Result, SkewProbe Probe)> Run(string skew)
    {
        SkewProbe? probe = null;
        var result = await ScenarioRunner.RunAsync(ScenarioLoader.Parse($$"""
            name: skew
            seed: 77
            cluster: {silos: 2}
            workload: {accounts: 8, operations: 400, concurrency: 4}
            defenses:
              - sign
              - {name: replay, mode: timestamp, window: 1s, tolerance: 500ms}
            faults:
              - {kind: clock-skew, start: 0s, stop: 60s, silo: 1, offset: {{skew}}}
            """, "skew.yaml", TestbedCatalog.Default), new RunOptions
        {
            OnClusterStarted = cluster =>
            {
                probe = new SkewProbe(cluster.SiloNames[1], cluster.ClockOf(1), cluster.ClockOf(0));
                cluster.Hooks.Attach(probe);
            },
        });
        return (result, probe!);
    }

    [Fact]
    public async Task A_skew_beyond_the_timestamp_window_is_rejected_by_the_replay_layer_as_stale_or_future()
    {
        var (result, probe) = await Run("5s");

        var replay = Assert.Contains("replay", result.SecurityEvents.ByLayer);
        Assert.True(replay.GetValueOrDefault("replay-stale") + replay.GetValueOrDefault("replay-future") > 0,
            string.Join(", ", replay.Select(r => $"{r.Key} {r.Value}")));
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name));
        Assert.Equal(1, Assert.Single(result.Faults).Injected);
        probe.AssertStampedWith(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_skew_inside_the_tolerance_raises_no_alarm()
    {
        var (result, probe) = await Run("-300ms");

        Assert.Equal(0, result.SecurityEvents.Total);
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name));
        // ...while the skew was really there: set on silo 1, and on the envelopes its services sent during the workload.
        Assert.Equal(1, Assert.Single(result.Faults).Injected);
        probe.AssertStampedWith(TimeSpan.FromMilliseconds(-300));
    }

    /// <summary>
    /// Watches the requests sent from the skewed silo while its clock is skewed: how far each one's timestamp is from the
    /// unskewed clock read as the wire carries it. A request is stamped before the wire sees it, so with an offset o the
    /// difference is at most o (plus 1 ms of rounding to whole milliseconds) however slow the machine, and a correctly
    /// skewed stamp is nearer o than 0 unless signing and sending it took |o|/2. Most requests must show exactly that (a
    /// few stamped in the instant before the skew was set may not); without the skew every difference is about 0.
    /// </summary>
    private sealed class SkewProbe(string skewedSilo, ServiceClock skewed, ServiceClock unskewed) : IWireTap
    {
        private readonly ConcurrentBag<(TimeSpan Offset, double BehindUnskewedMs)> _seen = [];

        public void Observe(WireMessage message)
        {
            var offset = skewed.CurrentOffset;
            if (message is { Injected: false, Direction: WireDirection.Request, Envelope: { } envelope } && message.Silo == skewedSilo && offset != TimeSpan.Zero)
            {
                _seen.Add((offset, envelope.TimestampMs - unskewed.GetUtcNow().ToUnixTimeMilliseconds()));
            }
        }

        public void AssertStampedWith(TimeSpan offset)
        {
            var seen = _seen.ToArray();
            Assert.True(seen.Length >= 20, $"only {seen.Length} requests left silo {skewedSilo} while its clock was skewed");
            Assert.All(seen, s => Assert.Equal(offset, s.Offset));
            var o = offset.TotalMilliseconds;
            var stamped = seen.Count(s => s.BehindUnskewedMs <= o + 1 && s.BehindUnskewedMs > o - (Math.Abs(o) / 2));
            Assert.True(stamped * 2 > seen.Length,
                $"only {stamped} of {seen.Length} requests from silo {skewedSilo} carried the {offset.TotalMilliseconds} ms skew; differences seen: "
                + string.Join(", ", seen.Select(s => s.BehindUnskewedMs).Order().Take(10)));
        }
    }
}
