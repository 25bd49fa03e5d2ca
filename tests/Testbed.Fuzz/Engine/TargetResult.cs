namespace Testbed.Fuzz.Engine;

/// <summary>One finding cause (key) of a target: how often it occurred and where its first inputs were saved.</summary>
public sealed record FindingSummary(FindingKind Kind, string Key, bool Known, long Count, long FirstInput, string Detail, IReadOnlyList<string> Files);

/// <summary>What running one target found.</summary>
public sealed record TargetResult
{
    /// <summary>The target.</summary>
    public required string Target { get; init; }

    /// <summary>What it checks.</summary>
    public required string Checks { get; init; }

    /// <summary>Inputs tried.</summary>
    public long Inputs { get; init; }

    /// <summary>Inputs the code under test accepted (decoded, loaded, opened).</summary>
    public long Accepted { get; init; }

    /// <summary>Inputs on which the code under test threw.</summary>
    public long Crashes { get; init; }

    /// <summary>Inputs accepted that must not be (forgeries, replays, non-canonical encodings, unpositioned errors).</summary>
    public long Violations { get; init; }

    /// <summary>Crashes and violations whose cause is listed in <see cref="KnownFindings"/> (counted in those columns too).</summary>
    public long Known { get; init; }

    /// <summary>Accepted re-encodings of genuine, not yet delivered messages (same content, other bytes).</summary>
    public long Malleable { get; init; }

    /// <summary>Inputs slower than <see cref="FuzzOptions.SlowInput"/> (and hang reports of inputs still running past <see cref="FuzzOptions.HangAfter"/>).</summary>
    public long Slow { get; init; }

    /// <summary>Wall time of the run, in seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>Inputs per second.</summary>
    public double InputsPerSecond => Seconds > 0 ? Inputs / Seconds : 0;

    /// <summary>The target's own counts of how inputs fared (e.g. which layer refused them).</summary>
    public IReadOnlyDictionary<string, long> Statistics { get; init; } = new Dictionary<string, long>();

    /// <summary>Every finding cause, crashes first.</summary>
    public IReadOnlyList<FindingSummary> Findings { get; init; } = [];

    /// <summary>True when the target failed: a crash or a violation not listed as known (with --strict, any).</summary>
    public bool Failed(bool strict) => Crashes + Violations - (strict ? 0 : Known) > 0;
}
