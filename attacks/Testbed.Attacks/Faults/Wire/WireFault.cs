using Testbed.Attacks.Api;
using Testbed.Wire;

namespace Testbed.Attacks.Faults.Wire;

/// <summary>
/// A fault on the wire (netem-style): while its window is open it acts on each matching message with probability
/// <c>probability</c> (default 1), optionally correlated with its previous decision (<c>correlation</c>, 0..1: with that
/// probability the previous decision repeats, else a fresh draw decides — so losses come in bursts while the long-run
/// rate stays <c>probability</c>, unlike netem's averaging of draws), on requests, replies or both (<c>direction</c>). Injected frames are left
/// alone (they belong to adversaries). Options shared by every wire fault: <c>probability</c>, <c>correlation</c>,
/// <c>direction</c>, <c>targets</c>.
/// </summary>
public abstract class WireFault : Fault, IWireInterceptor
{
    private readonly Lock _gate = new();
    private FaultContext? _context;
    private bool _previous;
    private volatile bool _open;
    private string _direction = "both";

    /// <summary>Probability of acting on a matching message.</summary>
    protected double Probability { get; private set; } = 1;

    /// <summary>Correlation of successive decisions.</summary>
    protected double Correlation { get; private set; }

    /// <summary>Which messages are eligible.</summary>
    protected FaultTargets Scope { get; private set; } = FaultTargets.Parse("targets", "all");

    /// <summary>The run's context while the window is open.</summary>
    protected FaultContext Context => _context ?? throw new InvalidOperationException("the fault is not running");

    /// <inheritdoc />
    public override string Targets => _direction == "both" ? Scope.Text : $"{Scope.Text} ({_direction}s)";

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        Probability = options.Number("probability", 1, 0, 1);
        Correlation = options.Number("correlation", 0, 0, 1);
        _direction = options.Choice("direction", DefaultDirection, [.. Directions]);
        Scope = FaultTargets.Parse("targets", ScopedByTargets ? options.Text("targets", "all") : "all");
        ConfigureFault(options);
    }

    /// <summary>Which direction the fault acts on when the scenario does not say.</summary>
    protected virtual string DefaultDirection => "both";

    /// <summary>The directions the fault can act on (its <c>direction</c> option's choices); all three unless overridden.</summary>
    protected virtual IReadOnlyList<string> Directions => ["request", "reply", "both"];

    /// <summary>Whether the <c>targets</c> option scopes the fault (false: the fault scopes itself, e.g. a partition's sides).</summary>
    protected virtual bool ScopedByTargets => true;

    /// <summary>Reads the fault's own options.</summary>
    protected virtual void ConfigureFault(AttackOptions options)
    {
    }

    /// <inheritdoc />
    public override string? CheckCluster(int silos) =>
        Scope.MaxSilo >= silos ? $"targets name silo:{Scope.MaxSilo}, but the cluster has {silos} silos (positions 0..{silos - 1})" : null;

    /// <inheritdoc />
    public override async Task RunAsync(FaultContext context, CancellationToken windowClosed)
    {
        _context = context;
        Scope.Bind(context.Nodes);
        Bind(context);
        using var attached = context.Hooks.Attach((IWireInterceptor)this);
        _open = true;
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, context.Time, windowClosed);
        }
        catch (OperationCanceledException) when (windowClosed.IsCancellationRequested)
        {
        }
        finally
        {
            _open = false;
            Heal();
        }
    }

    /// <summary>Called when the window opens, after the targets are bound.</summary>
    protected virtual void Bind(FaultContext context)
    {
    }

    /// <summary>Called when the window closes (release held messages, heal).</summary>
    protected virtual void Heal()
    {
    }

    /// <inheritdoc />
    /// <remarks>
    /// While the window is open the synchronous part of each call is timed (<see cref="FaultContext.SlowHooks"/>): as
    /// <c>act</c> when the fault picked the message — choosing it and <see cref="ActAsync"/> up to the
    /// <see cref="ValueTask"/> it returns (a delay or a hold that waits asynchronously does not count) — and as <c>pass</c>
    /// when it did not (choosing and <see cref="Pass"/>).
    /// </remarks>
    public ValueTask<InterceptDecision> InterceptAsync(WireMessage message, CancellationToken cancellationToken)
    {
        if (!_open)
        {
            return PassGuarded(message);
        }

        var started = HookTimings.Start();
        var timings = Context.Timings;
        bool picked;
        try
        {
            picked = !message.Injected && Eligible(message) && Scope.Matches(message, Context.Nodes) && Draw();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            timings.Stop(FaultContext.PassHook, started);
            return ValueTask.FromResult(Failed("pass", ex)); // a scripted Eligible that throws: recorded, the message passes
        }

        if (!picked)
        {
            try
            {
                return PassGuarded(message);
            }
            finally
            {
                timings.Stop(FaultContext.PassHook, started);
            }
        }

        Context.Count();
        try
        {
            var decision = ActAsync(message, cancellationToken);
            return decision.IsCompletedSuccessfully ? decision : Guarded(decision, "act");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ValueTask.FromResult(Failed("act", ex));
        }
        finally
        {
            timings.Stop(FaultContext.ActHook, started);
        }
    }

    private ValueTask<InterceptDecision> PassGuarded(WireMessage message)
    {
        try
        {
            var decision = Pass(message);
            return decision.IsCompletedSuccessfully ? decision : Guarded(decision, "pass");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ValueTask.FromResult(Failed("pass", ex));
        }
    }

    /// <summary>The fault's code threw on a message: recorded in its result (failing the run), never thrown at the sender; the message passes.</summary>
    private InterceptDecision Failed(string hook, Exception ex)
    {
        Context.RecordError(hook, ex);
        return InterceptDecision.Pass;
    }

    private async ValueTask<InterceptDecision> Guarded(ValueTask<InterceptDecision> decision, string hook)
    {
        try
        {
            return await decision;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failed(hook, ex);
        }
    }

    /// <summary>Whether a message is in scope beyond the targets (e.g. a partition's cut).</summary>
    protected virtual bool Eligible(WireMessage message) =>
        _direction == "both" || (_direction == "request") == (message.Direction == WireDirection.Request);

    /// <summary>What happens to a message the fault did not pick (most faults: pass).</summary>
    protected virtual ValueTask<InterceptDecision> Pass(WireMessage message) => ValueTask.FromResult(InterceptDecision.Pass);

    /// <summary>What the fault does to a message it picked.</summary>
    protected abstract ValueTask<InterceptDecision> ActAsync(WireMessage message, CancellationToken cancellationToken);

    private bool Draw()
    {
        if (Probability >= 1)
        {
            return true;
        }

        lock (_gate)
        {
            if (Correlation == 0 || Context.Next() >= Correlation)
            {
                _previous = Context.Next() < Probability;
            }

            return _previous;
        }
    }
}
