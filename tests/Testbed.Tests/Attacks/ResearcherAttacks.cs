using System.Text;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hooks;
using Testbed.Envelopes;
using Testbed.History;
using Testbed.Wire;

namespace Testbed.Tests.Attacks;

/// <summary>
/// Attacks as a researcher writes them: against the public attack API only (Testbed.Attacks.Api and .Hooks, envelopes,
/// the wire's message types), registered in a catalog, never compiled into the testbed.
/// </summary>
internal static class ResearcherAttacks
{
    /// <summary>The built-in attacks plus these.</summary>
    public static AttackCatalog Catalog(Action? onCreate = null) => AttackCatalog.Builtin
        .With("probe", () => { onCreate?.Invoke(); return new Probe(); })
        .With("faulty", () => new Faulty())
        .With("stubborn", () => new Stubborn())
        .With("sluggish", () => new Sluggish());
}

/// <summary>Counts the orders it sees; injects <c>count</c> balance queries as customer/1 carrying no credentials.</summary>
internal sealed class Probe : Attack
{
    private int _count, _ordersSeen;
    private TimeSpan _interval;

    public override AttackInfo Info { get; } = new("probe", "CAPEC-151", null, AdversaryCapabilities.Observe | AdversaryCapabilities.Inject,
        "asks for customer/1's balance without its password");

    public override void Configure(AttackOptions options) =>
        (_count, _interval) = (options.Integer("count", 5, 1, 100), options.Duration("interval", TimeSpan.FromMilliseconds(20)));

    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is { Injected: false, Direction: WireDirection.Request, Envelope.Kind: EnvelopeKind.Order })
        {
            Interlocked.Increment(ref _ordersSeen);
        }
    }

    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        for (var n = 0; n < _count && !windowClosed.IsCancellationRequested; n++)
        {
            var forged = context.Forge(EnvelopeKind.BalanceQuery, "customer/1", "account/1", (ulong)n + 1, Encoding.UTF8.GetBytes("{}"));
            var (attempt, result) = await context.InjectAsync(forged, $"probe {n}");
            attempt.Key = result.Reply?.Kind.ToString();
            await Task.Delay(_interval, context.Time, windowClosed);
        }
    }

    public override void Judge(AttackJudgement judgement)
    {
        judgement.Details["ordersSeen"] = _ordersSeen;
        judgement.Details["okInHistory"] = judgement.History.Count(o => o.Type == OpType.Ok);
        judgement.Details["customers"] = judgement.Customers.Count;
        judgement.Details["invariantsHolding"] = judgement.Check.Invariants.Count(i => i.Holds);
        judgement.Details["accounts"] = judgement.FinalState.Count;
    }
}

/// <summary>Throws from every hook it has.</summary>
internal sealed class Faulty : Attack
{
    public override AttackInfo Info { get; } = new("faulty", "CAPEC-0", null, AdversaryCapabilities.Observe | AdversaryCapabilities.Intercept,
        "a bug in every hook");

    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context) => throw new InvalidOperationException("observe bug");

    public override InterceptDecision OnIntercepted(WireMessage message, AdversaryContext context) => throw new InvalidOperationException("intercept bug");

    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        await Task.Yield();
        throw new InvalidOperationException("act bug");
    }

    public override void Judge(AttackJudgement judgement) => throw new InvalidOperationException("judge bug");
}

/// <summary>Blocks the wire thread 20 ms on each of the first <c>slow</c> orders it observes (default 3), and is quick on the rest.</summary>
internal sealed class Sluggish : Attack
{
    private int _slow, _seen;

    public override AttackInfo Info { get; } = new("sluggish", "CAPEC-0", null, AdversaryCapabilities.Observe, "sleeps in its tap");

    public override void Configure(AttackOptions options) => _slow = options.Integer("slow", 3, 1, 100);

    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is { Injected: false, Direction: WireDirection.Request, Envelope.Kind: EnvelopeKind.Order } && Interlocked.Increment(ref _seen) <= _slow)
        {
            Thread.Sleep(20);
        }
    }

    public override void Judge(AttackJudgement judgement)
    {
    }
}

/// <summary>Ignores its window closing: its actions go on until <see cref="Release"/>.</summary>
internal sealed class Stubborn : Attack
{
    public static readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override AttackInfo Info { get; } = new("stubborn", "CAPEC-0", null, AdversaryCapabilities.None, "never stops by itself");

    public override Task ActAsync(AdversaryContext context, CancellationToken windowClosed) => Release.Task;

    public override void Judge(AttackJudgement judgement)
    {
    }
}
