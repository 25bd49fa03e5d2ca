using Testbed.Attacks.Hooks;
using Testbed.Defenses;
using Testbed.Wire;

namespace Testbed.Attacks.Api;

/// <summary>
/// Runs one attack: attaches it to the wire with exactly the capabilities it declared, opens its window at <c>start</c>
/// and closes it at <c>stop</c> (offsets from the start of the workload), and afterwards turns its attempts, the security
/// events and its judge's verdict into an <see cref="AttackResult"/>. An exception thrown by the attack's code is recorded
/// (see <see cref="AttackResult.Errors"/>) and never reaches the cluster; a synchronous hook (<c>OnObserved</c>,
/// <c>OnIntercepted</c>) that held the wire longer than <see cref="SlowHook.ThresholdMs"/> is reported (see
/// <see cref="AttackResult.SlowHooks"/>). In a run, each attack's runtime lives in its
/// adversary grain (<c>Testbed.Attacks.Hosting.AdversaryGrain</c>); on its own it drives an attack on any
/// <see cref="WireHooks"/> (a test of an attack without a cluster).
/// </summary>
public sealed class AdversaryRuntime : IWireTap, IWireInterceptor
{
    private readonly Attack _attack;
    private readonly TimeSpan _start;
    private readonly TimeSpan _stop;
    private const int ObserveHook = 0, InterceptHook = 1;
    private readonly ErrorLog _errors = new();
    private readonly HookTimings _timings = new("observe", "intercept");
    private readonly List<IDisposable> _attachments = [];
    private volatile bool _open;

    /// <summary>Prepares <paramref name="attack"/> (already configured) for a run on <paramref name="hooks"/>.</summary>
    public AdversaryRuntime(Attack attack, AttackOptions options, TimeSpan start, TimeSpan stop, WireHooks hooks, int seed, TimeProvider time,
        CompromiseHooks? compromise = null)
    {
        _attack = attack;
        _start = start;
        _stop = stop;
        Context = new AdversaryContext(hooks, attack.Info, options, seed, time, compromise);
        var caps = attack.Info.Capabilities;
        if (caps.HasFlag(AdversaryCapabilities.Observe))
        {
            _attachments.Add(hooks.Attach((IWireTap)this, clusterWide: true));
        }

        if (caps.HasFlag(AdversaryCapabilities.Intercept))
        {
            _attachments.Add(hooks.Attach((IWireInterceptor)this, clusterWide: true));
        }
    }

    /// <summary>The attack's context (knowledge, attempts).</summary>
    public AdversaryContext Context { get; }

    /// <summary>The attack's identity and capabilities.</summary>
    public AttackInfo Info => _attack.Info;

    /// <summary>True while the window is open.</summary>
    public bool IsOpen => _open;

    /// <summary>Errors recorded from the attack's code so far (each distinct one once).</summary>
    public int ErrorCount => _errors.Count;

    /// <summary>Opens the window at start (from now, the start of the workload), runs the attack's actions, closes the window at stop or when the run ends.</summary>
    public Task RunAsync(CancellationToken runEnded) => RunAsync(Context.Time.GetUtcNow(), runEnded);

    /// <summary>
    /// As <see cref="RunAsync(CancellationToken)"/>, with start counted from <paramref name="workloadStartedAt"/> (on
    /// <see cref="AdversaryContext.Time"/>) rather than from the call: a window whose start has passed opens at once. It
    /// stays open for stop − start.
    /// </summary>
    public async Task RunAsync(DateTimeOffset workloadStartedAt, CancellationToken runEnded)
    {
        var time = Context.Time;
        try
        {
            if (!OpenIfDue(workloadStartedAt))
            {
                await Task.Delay(Due(workloadStartedAt), time, runEnded);
                OpenWindow();
            }

            runEnded.ThrowIfCancellationRequested(); // closed before this task ran: the attack never acts after its run
            // Its full length from when it opened: a window opened late by a busy timer still gets all of it, and one
            // opened before the workload (OpenIfDue) closes at stop however late this task started.
            var open = _stop - _start - (time.GetUtcNow() - Context.OpenedAt!.Value);
            using var stopAt = new CancellationTokenSource(open > TimeSpan.Zero ? open : TimeSpan.Zero, time);
            using var window = CancellationTokenSource.CreateLinkedTokenSource(runEnded, stopAt.Token);
            using var closing = window.Token.Register(CloseWindow); // at stop the hooks go quiet, even if ActAsync ignores its token
            try
            {
                await _attack.ActAsync(Context, window.Token);
            }
            catch (OperationCanceledException) when (window.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                RecordError("act", ex); // its window stays open: observing and intercepting go on until stop
            }

            await Task.WhenAny(Task.Delay(Timeout.InfiniteTimeSpan, time, window.Token));
        }
        catch (OperationCanceledException) when (runEnded.IsCancellationRequested)
        {
        }
        finally
        {
            CloseWindow();
        }
    }

    /// <summary>
    /// Opens the window now when its start (from <paramref name="workloadStartedAt"/>) has come, and says whether it is
    /// open. Called before the workload sends its first message, a window starting at 0 then sees every message, however
    /// late a busy thread pool runs <see cref="RunAsync(DateTimeOffset, CancellationToken)"/>.
    /// </summary>
    public bool OpenIfDue(DateTimeOffset workloadStartedAt)
    {
        if (!_open && Due(workloadStartedAt) <= TimeSpan.Zero)
        {
            OpenWindow();
        }

        return _open;
    }

    private TimeSpan Due(DateTimeOffset workloadStartedAt)
    {
        var wait = _start - (Context.Time.GetUtcNow() - workloadStartedAt);
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    private void OpenWindow()
    {
        Context.OpenedAt = Context.Time.GetUtcNow();
        _open = true;
    }

    private void CloseWindow()
    {
        _open = false;
        if (Context.OpenedAt is not null)
        {
            Context.ClosedAt ??= Context.Time.GetUtcNow();
        }
    }

    /// <inheritdoc />
    public void Observe(WireMessage message)
    {
        if (!_open)
        {
            return;
        }

        var observed = new ObservedEnvelope(message.Direction, message.Frame.ToArray(), message.Envelope, message.Injected, message.Silo, message.TimestampTicks);
        Context.Knowledge.Remember(observed);
        var started = HookTimings.Start();
        try
        {
            _attack.OnObserved(observed, Context);
        }
        catch (Exception ex)
        {
            RecordError("observe", ex);
        }
        finally
        {
            _timings.Stop(ObserveHook, started);
        }
    }

    /// <inheritdoc />
    public ValueTask<InterceptDecision> InterceptAsync(WireMessage message, CancellationToken cancellationToken)
    {
        if (!_open || message.Injected)
        {
            return ValueTask.FromResult(InterceptDecision.Pass);
        }

        var started = HookTimings.Start();
        try
        {
            return ValueTask.FromResult(_attack.OnIntercepted(message, Context));
        }
        catch (Exception ex)
        {
            RecordError("intercept", ex);
            return ValueTask.FromResult(InterceptDecision.Pass);
        }
        finally
        {
            _timings.Stop(InterceptHook, started);
        }
    }

    /// <summary>Judges the attack and matches security events to its attempts.</summary>
    public AttackResult Conclude(AttackJudgement judgement, IReadOnlyCollection<SecurityEvent> events, Func<string, DateTimeOffset?> firstBlockedAt)
    {
        judgement = judgement with { WindowOpenedAt = Context.OpenedAt, WindowClosedAt = Context.ClosedAt, Events = events };
        try
        {
            _attack.Judge(judgement);
        }
        catch (Exception ex)
        {
            RecordError("judge", ex);
        }

        var attempts = judgement.Attempts;
        MatchDetections(attempts, events);
        var first = attempts.Count == 0 ? (DateTimeOffset?)null : attempts.Min(a => a.At);
        var detected = attempts.Where(a => a.DetectedAt is not null).Select(a => a.DetectedAt!.Value).DefaultIfEmpty().Min();
        var blocked = attempts.Select(a => firstBlockedAt(a.ClaimedSender)).Where(t => t is not null).Select(t => t!.Value).DefaultIfEmpty().Min();
        var info = _attack.Info;
        return new AttackResult(
            info.Kind, info.Capec, info.Mitre, _start.TotalMilliseconds, _stop.TotalMilliseconds,
            attempts.Count,
            attempts.Count(a => a.Outcome == AttemptOutcome.Succeeded),
            attempts.Count(a => a.Outcome == AttemptOutcome.Detected),
            attempts.Count(a => a.Outcome == AttemptOutcome.Blocked),
            attempts.Count(a => a.Outcome == AttemptOutcome.Absorbed),
            first is null || detected == default ? null : Math.Max(0, (detected - first.Value).TotalMilliseconds),
            first is null || blocked == default ? null : Math.Max(0, (blocked - first.Value).TotalMilliseconds),
            judgement.Details,
            _errors.WithCounts())
        {
            Variant = _attack.Variant,
            SlowHooks = _timings.Slow(),
        };
    }

    /// <summary>
    /// Gives each security event to the latest not-yet-detected attempt at the same recipient, from the same claimed
    /// sender, of the same kind, made at or before it (5 ms of clock slack): the attempt that most plausibly caused it.
    /// Passive attempts take no events. An attempt that succeeded can be detected too (a flood that starved goodput while the
    /// rate limiter rejected it, a forgery applied and flagged): its outcome stays <c>succeeded</c>, but its detection counts
    /// for MTTD. Linear in attempts and events per key.
    /// </summary>
    private static void MatchDetections(IReadOnlyList<Attempt> attempts, IReadOnlyCollection<SecurityEvent> events)
    {
        var candidates = attempts.Where(a => !a.Passive)
            .GroupBy(a => (a.Recipient, a.ClaimedSender, a.Kind))
            .ToDictionary(g => g.Key, g => g.OrderBy(a => a.At).ToList());
        foreach (var group in events.GroupBy(e => (e.Recipient, e.ClaimedSender, e.Kind)))
        {
            if (!candidates.TryGetValue(group.Key, out var ordered))
            {
                continue;
            }

            var open = new Stack<Attempt>();
            var next = 0;
            foreach (var securityEvent in group.OrderBy(e => e.Time))
            {
                while (next < ordered.Count && ordered[next].At <= securityEvent.Time.AddMilliseconds(5))
                {
                    open.Push(ordered[next++]);
                }

                if (open.TryPop(out var attempt))
                {
                    attempt.DetectedAt = securityEvent.Time;
                }
            }
        }
    }

    /// <summary>Detaches the attack's tap and interceptor from the wire (idempotent); its window stays as it is.</summary>
    public void Detach()
    {
        lock (_attachments)
        {
            _attachments.ForEach(a => a.Dispose());
            _attachments.Clear();
        }
    }

    /// <summary>Records an error of the attack's code at <paramref name="where"/> (act, observe, intercept, judge).</summary>
    internal void RecordError(string where, Exception ex) => _errors.Record(where, ex);
}
