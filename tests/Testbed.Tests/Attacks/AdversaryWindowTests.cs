using Microsoft.Extensions.Time.Testing;
using Testbed.Attacks.Api;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Attacks;

/// <summary>When an attack's window opens: a window due at once is open before the workload's first message.</summary>
public sealed class AdversaryWindowTests
{
    private static AdversaryRuntime Runtime(TimeSpan start, TimeProvider time)
    {
        var (attack, options) = AttackCatalog.Builtin.Create("tamper", new Dictionary<string, string>());
        return new AdversaryRuntime(attack, options, start, start + TimeSpan.FromSeconds(1), new WireHooks(), 1, time);
    }

    [Fact]
    public void A_window_starting_at_zero_opens_without_waiting_for_its_runner()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var runtime = Runtime(TimeSpan.Zero, time);

        Assert.True(runtime.OpenIfDue(time.GetUtcNow()));
        Assert.True(runtime.IsOpen);
        Assert.Equal(time.GetUtcNow(), runtime.Context.OpenedAt);
    }

    [Fact]
    public async Task A_later_window_opens_at_its_start_and_closes_at_its_stop()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var runtime = Runtime(TimeSpan.FromMilliseconds(50), time);
        var startedAt = time.GetUtcNow();

        Assert.False(runtime.OpenIfDue(startedAt));
        var run = runtime.RunAsync(startedAt, CancellationToken.None);
        Assert.False(runtime.IsOpen);
        time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(SpinWait.SpinUntil(() => runtime.IsOpen, TimeSpan.FromSeconds(30))); // the delay's continuation may be posted
        Assert.Equal(startedAt.AddMilliseconds(50), runtime.Context.OpenedAt);
        for (var i = 0; i < 10_000 && !run.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100)); // on the run's clock, not the machine's: nothing waits a real second
            await Task.Delay(1);
        }

        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(runtime.IsOpen);
        Assert.True(runtime.Context.ClosedAt - runtime.Context.OpenedAt >= TimeSpan.FromSeconds(1)); // its full length, stop − start
    }
}
