using Testbed.Attacks.Api;

namespace Testbed.Attacks.Faults;

/// <summary>
/// The base of every fault (a Jepsen nemesis): reads its options in <see cref="Configure"/>, acts while its window
/// (<c>start</c>..<c>stop</c>) is open in <see cref="RunAsync"/>, and undoes what it did when the window closes (a
/// partition heals, a killed silo is replaced, a pause resumes, a skewed clock is reset). Counts what it actually did
/// in <see cref="FaultContext.Injected"/>.
/// </summary>
public abstract class Fault
{
    /// <summary>The scenario kind, e.g. <c>drop</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>
    /// One line saying what the fault does, for <c>testbed list faults</c>. Every built-in fault says it; a script's fault may
    /// (empty when it does not).
    /// </summary>
    public virtual string Description => "";

    /// <summary>What the fault acts on, as written for results (e.g. "payments, account/3", "silo 1", "all").</summary>
    public virtual string Targets => "all";

    /// <summary>Reads options; throw <see cref="ArgumentException"/> for a bad one.</summary>
    public virtual void Configure(AttackOptions options)
    {
    }

    /// <summary>Checks options against the cluster (e.g. a silo position that does not exist); returns a problem or null.</summary>
    public virtual string? CheckCluster(int silos) => null;

    /// <summary>Acts from the window's opening until <paramref name="windowClosed"/> fires, then reverts (never throwing on revert).</summary>
    public abstract Task RunAsync(FaultContext context, CancellationToken windowClosed);
}

/// <summary>What the run gives a fault: a seeded random source, the run's clock, the wire's hooks and the cluster's nodes.</summary>
public sealed class FaultContext(Random random, TimeProvider time, Testbed.Wire.WireHooks? hooks, INodeControl nodes)
{
    private readonly Lock _gate = new();
    private readonly List<FaultAction> _actions = [];
    /// <summary>Positions of a wire fault's hooks in <see cref="Timings"/>.</summary>
    internal const int ActHook = 0, PassHook = 1;

    private readonly ErrorLog _errors = new();
    private long _injected;

    /// <summary>The run's clock.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>
    /// The wire's attachment points. Where silos are processes the runner holds no wire (each silo has its own, and wire
    /// faults run in every silo): a fault running in the runner that asks for it gets <see cref="NotSupportedException"/>.
    /// </summary>
    public Testbed.Wire.WireHooks Hooks => hooks ?? throw new NotSupportedException(
        "this fault runs in the runner, and the silos are processes with a wire each: derive from WireFault to act on messages (it runs in every silo)");

    /// <summary>The cluster's silos.</summary>
    public INodeControl Nodes { get; } = nodes;

    /// <summary>When the window opened (set by the runtime).</summary>
    public DateTimeOffset? OpenedAt { get; internal set; }

    /// <summary>How many messages or nodes the fault acted on.</summary>
    public long Injected => Interlocked.Read(ref _injected);

    /// <summary>Node-level actions taken, with times (ms from the window's opening).</summary>
    public IReadOnlyList<FaultAction> Actions
    {
        get
        {
            lock (_gate)
            {
                return _actions.ToArray();
            }
        }
    }

    /// <summary>Errors raised by the fault's code (each distinct one once, at most 20).</summary>
    public IReadOnlyList<string> Errors => _errors.Distinct();

    /// <summary>
    /// The fault's synchronous hooks on the wire (a wire fault's <c>act</c> and <c>pass</c>) that held a message longer than
    /// <see cref="SlowHook.ThresholdMs"/>: how often and the worst time; empty when none did. Reported, never a failure.
    /// </summary>
    public IReadOnlyList<SlowHook> SlowHooks => Timings.Slow();

    /// <summary>Times the fault's synchronous hooks.</summary>
    internal HookTimings Timings { get; } = new("act", "pass");

    /// <summary>Records an error of the fault's code (<paramref name="where"/>: the hook that raised it); the run goes on.</summary>
    public void RecordError(string where, Exception ex) => _errors.Record(where, ex);

    /// <summary>Records an error the fault's window raised as a whole (no hook named).</summary>
    internal void RecordError(Exception ex) => _errors.Record($"{ex.GetType().Name}: {ex.Message}");

    /// <summary>Counts one act of the fault (a message dropped, a silo killed).</summary>
    public void Count() => Interlocked.Increment(ref _injected);

    /// <summary>Records a node-level action (e.g. "kill Secondary_1") for the timeline.</summary>
    public void Record(string what)
    {
        var at = OpenedAt is { } opened ? (Time.GetUtcNow() - opened).TotalMilliseconds : 0;
        lock (_gate)
        {
            _actions.Add(new FaultAction(at, what));
        }
    }

    /// <summary>
    /// A thread-safe draw in [0, 1) from the fault's random source (seeded from the scenario's seed and the fault's
    /// position); every random choice a fault makes goes through here.
    /// </summary>
    public double Next()
    {
        lock (_gate)
        {
            return random.NextDouble();
        }
    }
}

/// <summary>A node-level action a fault took, <paramref name="AtMs"/> after its window opened.</summary>
public sealed record FaultAction(double AtMs, string What);

/// <summary>
/// The cluster as node faults see it. Silos are addressed by position in the running list (0 = the first silo, which
/// holds the certificate authority and the client's first gateway, and is never touched by node faults).
/// </summary>
public interface INodeControl
{
    /// <summary>Silos running now.</summary>
    int SiloCount { get; }

    /// <summary>Name of the silo at <paramref name="position"/>.</summary>
    string SiloName(int position);

    /// <summary>Name of the silo hosting <paramref name="principal"/>'s service grain, or null when it is not active.</summary>
    string? SiloOf(string principal);

    /// <summary>Crashes the silo (no graceful shutdown).</summary>
    Task KillAsync(int position);

    /// <summary>Stops the silo gracefully.</summary>
    Task StopAsync(int position);

    /// <summary>Stops the silo gracefully and starts it again.</summary>
    Task RestartAsync(int position);

    /// <summary>Starts one more silo (a replacement).</summary>
    Task StartSiloAsync();

    /// <summary>Holds every grain call arriving at the silo until the result is disposed.</summary>
    IDisposable Pause(int position);

    /// <summary>
    /// The clock the silo's services read, when it lives in this process (embedded clusters); where silos are processes it
    /// throws <see cref="NotSupportedException"/>: use <see cref="SkewClockAsync"/>, whose result resets it.
    /// </summary>
    Testbed.Time.ServiceClock Clock(int position);

    /// <summary>
    /// Skews the clock of the silo at <paramref name="position"/> (wherever it runs); disposing the result puts that silo's
    /// clock back on time, even if positions changed in between.
    /// </summary>
    async Task<IAsyncDisposable> SkewClockAsync(int position, TimeSpan offset, double driftPerSecond)
    {
        var clock = Clock(position);
        clock.SetSkew(offset, driftPerSecond);
        await Task.CompletedTask;
        return new ClockReset(clock);
    }

    private sealed class ClockReset(Testbed.Time.ServiceClock clock) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            clock.Reset();
            return ValueTask.CompletedTask;
        }
    }
}
