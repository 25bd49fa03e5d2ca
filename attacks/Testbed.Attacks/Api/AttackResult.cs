namespace Testbed.Attacks.Api;

/// <summary>One attack's verdicts, as result.json reports them (and as an adversary grain returns them to the runner).</summary>
[GenerateSerializer, Immutable]
public sealed record AttackResult(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Capec,
    [property: Id(2)] string? Mitre,
    [property: Id(3)] double StartMs,
    [property: Id(4)] double StopMs,
    [property: Id(5)] int Attempts,
    [property: Id(6)] int Succeeded,
    [property: Id(7)] int Detected,
    [property: Id(8)] int Blocked,
    [property: Id(9)] int Absorbed,
    [property: Id(10)] double? MttdMs,
    [property: Id(11)] double? ContainmentMs,
    [property: Id(12)] IReadOnlyDictionary<string, double> Details,
    [property: Id(13)] IReadOnlyList<string> Errors)
{
    /// <summary>The adversary grain that ran the attack (e.g. <c>adversary/3f2a9c01d2e4-0</c>); null when run outside a cluster.</summary>
    [Id(14)]
    public string? Grain { get; init; }

    /// <summary>The silo its activation lived on; null when run outside a cluster.</summary>
    [Id(15)]
    public string? Silo { get; init; }

    /// <summary>The variant the scenario's options selected (<see cref="Attack.Variant"/>, e.g. <c>session</c>); null for the attack's default.</summary>
    [Id(16)]
    public string? Variant { get; init; }

    /// <summary>
    /// The attack's synchronous hooks (<c>observe</c>, <c>intercept</c>) that held the wire longer than
    /// <see cref="SlowHook.ThresholdMs"/> on some message: how often and the worst time. Empty when none did. Reported only:
    /// a slow hook does not fail the run (an exception in one does, through <see cref="Errors"/>).
    /// </summary>
    [Id(17)]
    public IReadOnlyList<SlowHook> SlowHooks { get; init; } = [];

    /// <summary>Succeeded attempts over attempts (0 without attempts).</summary>
    public double SuccessRate => Attempts == 0 ? 0 : (double)Succeeded / Attempts;

    /// <summary>Detected attempts over attempts (0 without attempts).</summary>
    public double DetectionRate => Attempts == 0 ? 0 : (double)Detected / Attempts;
}
