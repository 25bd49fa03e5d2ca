using Testbed.Attacks.Faults;
using Testbed.Time;
using Xunit;

namespace Testbed.Tests.Faults;

public sealed class NodeAndClockFaultTests
{
    private static Dictionary<string, string> Options(params (string Key, string Value)[] options) => options.ToDictionary(o => o.Key, o => o.Value);

    /// <summary>Runs a node fault's window of <paramref name="window"/> on fake time, stepping from timer to timer until it ends.</summary>
    private static async Task<FakeNodes> RunWindow(string kind, Dictionary<string, string> options, TimeSpan window, params string[] silos)
    {
        var clock = new SteppedClock();
        var nodes = new FakeNodes(silos.Length == 0 ? ["S0", "S1", "S2"] : silos) { BaseClock = clock };
        var runtime = new FaultRuntime(FaultCatalog.Create(kind, options), TimeSpan.Zero, window,
            new FaultContext(new Random(3), clock, new Testbed.Wire.WireHooks(), nodes));
        await clock.DriveAsync(runtime.RunAsync(CancellationToken.None));
        Assert.Empty(runtime.Conclude().Errors);
        Assert.Equal(window, clock.GetUtcNow() - clock.Start); // it ended when its window closed, on the run's clock
        return nodes;
    }

    private static IEnumerable<(double Ms, string What)> Timeline(FakeNodes nodes, DateTimeOffset start) =>
        nodes.Timeline.Select(e => ((e.At - start).TotalMilliseconds, e.What));

    [Fact]
    public async Task Kill_strikes_the_named_silo_and_starts_a_replacement_when_the_window_closes()
    {
        var nodes = await RunWindow("kill", Options(("silo", "2")), TimeSpan.FromMilliseconds(200));
        Assert.Equal(["kill S2", "start"], nodes.Log);
        Assert.Equal([(0.0, "kill S2"), (200.0, "start")], Timeline(nodes, nodes.Timeline[0].At));
    }

    [Fact]
    public async Task Kill_every_period_strikes_repeatedly_and_replaces_after_down()
    {
        var nodes = await RunWindow("kill", Options(("silo", "any"), ("every", "150ms"), ("down", "50ms")), TimeSpan.FromMilliseconds(700));

        // A strike at 0, 150, 300, 450 and 600 ms, each replaced 50 ms later; the window closes at 700 ms, before a sixth.
        var timeline = Timeline(nodes, nodes.Timeline[0].At).ToArray();
        Assert.Equal([0.0, 50, 150, 200, 300, 350, 450, 500, 600, 650], timeline.Select(e => e.Ms));
        Assert.Equal(5, nodes.Log.Count(l => l.StartsWith("kill ", StringComparison.Ordinal)));
        Assert.DoesNotContain("kill S0", nodes.Log);
        for (var i = 0; i < timeline.Length; i += 2)
        {
            Assert.StartsWith("kill ", timeline[i].What);
            Assert.Equal("start", timeline[i + 1].What);
        }
    }

    [Fact]
    public async Task Pause_resumes_the_same_silo_it_paused()
    {
        var nodes = await RunWindow("pause", Options(("silo", "1")), TimeSpan.FromMilliseconds(150));
        Assert.Equal(["pause S1", "resume S1"], nodes.Log);
    }

    [Fact]
    public async Task Restart_restarts_without_a_replacement()
    {
        var nodes = await RunWindow("restart", Options(("silo", "1")), TimeSpan.FromMilliseconds(100));
        Assert.Equal(["restart S1"], nodes.Log);
    }

    [Theory]
    [InlineData("kill", "silo", "0", 3, "never touch")]
    [InlineData("pause", "silo", "3", 3, "does not exist")]
    [InlineData("stop", "silo", "1", 1, "at least 2 silos")]
    [InlineData("kill", "down", "2s", 3, "shorter than 'every'")]
    public void Node_faults_refuse_what_the_cluster_cannot_survive_or_does_not_have(string kind, string key, string value, int silos, string mentioned)
    {
        var options = Options((key, value));
        if (key == "down")
        {
            options["every"] = "1s";
        }

        var problem = FaultCatalog.Check(kind, options, silos);
        Assert.NotNull(problem);
        Assert.Contains(mentioned, problem);
    }

    [Fact]
    public async Task Clock_skew_offsets_the_chosen_silo_and_is_reset_when_the_window_closes()
    {
        var clock = new SteppedClock();
        var nodes = new FakeNodes("S0", "S1") { BaseClock = clock };
        var runtime = new FaultRuntime(FaultCatalog.Create("clock-skew", Options(("silo", "1"), ("offset", "-3s"))), TimeSpan.Zero, TimeSpan.FromSeconds(30),
            new FaultContext(new Random(1), clock, new Testbed.Wire.WireHooks(), nodes));

        // A window starting at 0 opens, and the fault sets the skew, before RunAsync first waits (for the window to close).
        var running = runtime.RunAsync(CancellationToken.None);
        Assert.Equal(TimeSpan.FromSeconds(-3), nodes.Clock(1).CurrentOffset);
        Assert.Equal(TimeSpan.Zero, nodes.Clock(0).CurrentOffset);
        Assert.Equal(clock.GetUtcNow() - TimeSpan.FromSeconds(3), nodes.Clock(1).GetUtcNow());
        Assert.Equal(clock.GetUtcNow(), nodes.Clock(0).GetUtcNow());

        clock.Advance(TimeSpan.FromSeconds(29.999));
        Assert.False(running.IsCompleted);
        Assert.Equal(clock.GetUtcNow() - TimeSpan.FromSeconds(3), nodes.Clock(1).GetUtcNow()); // no drift: the offset holds

        clock.Advance(TimeSpan.FromMilliseconds(1)); // the window closes at 30 s on the run's clock
        await running.WaitAsync(SteppedClock.Patience);
        Assert.Equal(TimeSpan.Zero, nodes.Clock(1).CurrentOffset);
        Assert.Equal(clock.GetUtcNow(), nodes.Clock(1).GetUtcNow());
        Assert.Equal(1, runtime.Conclude().Injected);
    }

    [Fact]
    public void Service_clock_drift_accumulates_on_the_base_clock()
    {
        var baseClock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var clock = new ServiceClock(baseClock);
        clock.SetSkew(TimeSpan.FromSeconds(1), driftPerSecond: 0.01);

        baseClock.Advance(TimeSpan.FromSeconds(100));

        Assert.Equal(DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(102), clock.GetUtcNow());
        Assert.Equal(baseClock.GetTimestamp(), clock.GetTimestamp());
        clock.Reset();
        Assert.Equal(baseClock.GetUtcNow(), clock.GetUtcNow());
    }

    [Theory]
    [InlineData("offset", "3 seconds", "signed duration")]
    [InlineData("drift", "2", "drift")]
    [InlineData("silo", "x", "silo")]
    public void Clock_skew_rejects_bad_options(string key, string value, string mentioned)
    {
        var problem = FaultCatalog.Check("clock-skew", Options((key, value)), 2);
        Assert.NotNull(problem);
        Assert.Contains(mentioned, problem);
    }
}
