using Orleans.Concurrency;
using Testbed.Attacks.Api;
using Testbed.Checking;
using Testbed.Defenses;
using Testbed.History;

namespace Testbed.Attacks.Hosting;

/// <summary>
/// One attack of a run, run by an adversary grain (key: <see cref="AdversaryGrain.Key"/>, per run and attack index). The
/// runner arms it, opens its window when the workload starts, closes it when the workload ends and asks for its verdicts.
/// The grain is not a service principal: it implements no <see cref="Wire.IEnvelopeEndpoint"/>, so no envelope reaches it.
/// </summary>
public interface IAdversaryGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the attack from the silo's catalog (or from the spec's script), configures it and attaches it to the silo's wire with exactly the
    /// capabilities it declares. <see cref="ArgumentException"/> for an unknown kind or a bad option; arming twice throws.
    /// </summary>
    Task<AdversaryStatus> Arm(AdversarySpec spec);

    /// <summary>Starts the window's schedule in the background (start and stop count from <paramref name="workloadStartedAt"/>) and returns.</summary>
    Task Open(DateTimeOffset workloadStartedAt);

    /// <summary>The run ended: closes the window if it is still open, waits for the attack's actions to stop (bounded) and detaches it from the wire.</summary>
    Task Close();

    /// <summary>Judges the attack against the run's ground truth; the activation then goes away.</summary>
    Task<AttackResult> Conclude(RunGroundTruth truth);

    /// <summary>Where the adversary runs and what it did so far; answers at any time, also while a window is open or closing.</summary>
    [AlwaysInterleave]
    Task<AdversaryStatus> Status();
}

/// <summary>How to arm an adversary: the scenario's attack entry and its seed.</summary>
/// <param name="Kind">The attack kind, as in the catalog.</param>
/// <param name="Options">The entry's options as written (the attack parses them).</param>
/// <param name="Start">Window opens, counted from the start of the workload.</param>
/// <param name="Stop">Window closes (or when the workload ends, whichever is first).</param>
/// <param name="Seed">Seeds <see cref="AdversaryContext.Random"/>.</param>
/// <param name="Script">
/// The entry's script (its whole source and hash), or null for a built-in kind: the silo compiles it (once per distinct
/// source) rather than reading a path, so a silo in another process runs exactly what the scenario loaded.
/// </param>
[GenerateSerializer, Immutable]
public sealed record AdversarySpec(
    [property: Id(0)] string Kind,
    [property: Id(1)] IReadOnlyDictionary<string, string> Options,
    [property: Id(2)] TimeSpan Start,
    [property: Id(3)] TimeSpan Stop,
    [property: Id(4)] int Seed,
    [property: Id(5)] Testbed.Scenarios.ScriptSource? Script = null);

/// <summary>An adversary grain's state as seen from outside.</summary>
/// <param name="Kind">The attack kind ("" before arming).</param>
/// <param name="Grain">The grain's id, e.g. <c>adversary/3f2a9c01d2e4-0</c>.</param>
/// <param name="Silo">The silo the activation lives on.</param>
/// <param name="WindowOpen">True while the attack's window is open.</param>
/// <param name="Attempts">Attempts recorded so far.</param>
/// <param name="Errors">Errors from the attack's code recorded so far.</param>
[GenerateSerializer, Immutable]
public sealed record AdversaryStatus(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Grain,
    [property: Id(2)] string Silo,
    [property: Id(3)] bool WindowOpen,
    [property: Id(4)] int Attempts,
    [property: Id(5)] int Errors);

/// <summary>
/// What the run measured, for the judges: the checker's report, the history, the final state, the workload's clock
/// origin, the security events, and when each sender was first blocked by a rate limiter (any silo). Customers' canaries
/// are not sent: the adversary's silo recomputes them from the seed.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RunGroundTruth(
    [property: Id(0)] CheckReport Check,
    [property: Id(1)] IReadOnlyList<HistoryOp> History,
    [property: Id(2)] IReadOnlyList<AccountState> FinalState,
    [property: Id(3)] DateTimeOffset WorkloadStartedAt,
    [property: Id(4)] IReadOnlyList<SecurityEvent> Events,
    [property: Id(5)] IReadOnlyDictionary<string, DateTimeOffset> FirstBlockedAt);
