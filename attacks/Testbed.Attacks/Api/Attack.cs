using Testbed.Attacks.Hooks;
using Testbed.Checking;
using Testbed.Wire;
using Testbed.Workload;

namespace Testbed.Attacks.Api;

/// <summary>
/// The base of every attack — built-in or a researcher's. An attack declares its capabilities in <see cref="Info"/>,
/// reads its options in <see cref="Configure"/>, acts through the hooks the runtime calls while its window
/// (<c>start</c>..<c>stop</c>) is open, and says in <see cref="Judge"/> which attempts succeeded, from measured effects.
/// Hooks the attack did not declare a capability for are never called.
/// </summary>
public abstract class Attack
{
    /// <summary>Kind, CAPEC id, MITRE technique, capabilities.</summary>
    public abstract AttackInfo Info { get; }

    /// <summary>
    /// The variant the options selected when it is not the attack's default (e.g. <c>session</c> for key-compromise's
    /// session mode), or null. Results carry it (<see cref="AttackResult.Variant"/>) and the attack × defense matrix gives
    /// each variant its own row, <c>kind (variant)</c>. Read after <see cref="Configure"/>.
    /// </summary>
    public virtual string? Variant => null;

    /// <summary>Reads options; throw <see cref="ArgumentException"/> for a bad one.</summary>
    public virtual void Configure(AttackOptions options)
    {
    }

    /// <summary><see cref="AdversaryCapabilities.Observe"/>: a copy of every envelope on the wire while the window is open.</summary>
    public virtual void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
    }

    /// <summary><see cref="AdversaryCapabilities.Intercept"/>: decide on each message in the path while the window is open.</summary>
    public virtual InterceptDecision OnIntercepted(WireMessage message, AdversaryContext context) => InterceptDecision.Pass;

    /// <summary>The attack's own actions (injections, schedules); runs when the window opens and is cancelled when it closes.</summary>
    public virtual Task ActAsync(AdversaryContext context, CancellationToken windowClosed) => Task.CompletedTask;

    /// <summary>After the run: mark which attempts succeeded, from the checker's verdicts and what the adversary holds.</summary>
    public abstract void Judge(AttackJudgement judgement);
}

/// <summary>
/// What an attack's judge sees after the run: its attempts and knowledge, and the run's measured ground truth. History
/// times count from <see cref="WorkloadStartedAt"/> (a warm-up phase, if any, ran before it on its own clock: order ids "w-…").
/// </summary>
public sealed record AttackJudgement(
    IReadOnlyList<Attempt> Attempts,
    Knowledge Knowledge,
    CheckReport Check,
    IReadOnlyList<History.HistoryOp> History,
    IReadOnlyList<AccountState> FinalState,
    IReadOnlyList<CustomerProfile> Customers,
    DateTimeOffset WorkloadStartedAt)
{
    /// <summary>When the attack's window opened (set by the runtime; null if it never opened).</summary>
    public DateTimeOffset? WindowOpenedAt { get; init; }

    /// <summary>When the attack's window closed (set by the runtime).</summary>
    public DateTimeOffset? WindowClosedAt { get; init; }

    /// <summary>
    /// The run's security events (set by the runtime; the same ones it matches to attempts afterwards): what the defenses
    /// refused, whoever sent it — e.g. legitimate traffic refused because of an attack (a flood's collateral damage).
    /// </summary>
    public IReadOnlyCollection<Testbed.Defenses.SecurityEvent> Events { get; init; } = [];

    /// <summary>Where <paramref name="at"/> falls on the history's clock (<see cref="History.HistoryOp.TimeMicros"/>).</summary>
    public double HistoryMicros(DateTimeOffset at) => (at - WorkloadStartedAt).Ticks / 10.0;

    /// <summary>Attack-specific figures for result.json (e.g. canaries recovered).</summary>
    public Dictionary<string, double> Details { get; } = new(StringComparer.Ordinal);
}
