using Testbed.Attacks.Api;
using Testbed.Hosting.Runs;

namespace Testbed.Hosting.Reports;

/// <summary>What happened to an attack's attempts in one matrix cell, by the worst outcome present.</summary>
public enum CellOutcome
{
    /// <summary>No attempt at all (the attack found nothing to act on).</summary>
    Empty,
    /// <summary>Every attempt was absorbed (no effect, no event).</summary>
    Absorbed,
    /// <summary>Some attempts were blocked without an event, none detected or succeeded.</summary>
    Blocked,
    /// <summary>Some attempts were detected, none succeeded.</summary>
    Detected,
    /// <summary>At least one attempt succeeded.</summary>
    Succeeded,
}

/// <summary>One cell: the attempts of one attack under one defense column, summed over the scenarios that ran it.</summary>
public sealed record MatrixCell(long Attempts, long Succeeded, long Detected, long Blocked, long Absorbed, IReadOnlyList<string> Scenarios)
{
    /// <summary>The cell's color class: succeeded beats detected beats blocked beats absorbed.</summary>
    public CellOutcome Outcome =>
        Succeeded > 0 ? CellOutcome.Succeeded
        : Detected > 0 ? CellOutcome.Detected
        : Blocked > 0 ? CellOutcome.Blocked
        : Absorbed > 0 ? CellOutcome.Absorbed
        : CellOutcome.Empty;
}

/// <summary>
/// The attack × defense matrix of a suite: rows are attack kinds, an attack's variant in a row of its own
/// (<c>key-compromise (session)</c>, see <see cref="RowOf"/>; ordinal order), columns defense presets in the order
/// none, signed, tls-like, zero-trust, paranoid, custom (a scenario naming no preset is <c>none</c> without layers,
/// <c>custom</c> with them). Shared by the console table and the HTML report.
/// </summary>
public sealed class AttackMatrix
{
    private static readonly string[] ColumnOrder = ["none", "signed", "tls-like", "zero-trust", "paranoid", "custom"];
    private readonly Dictionary<(string Attack, string Column), MatrixCell> _cells;

    private AttackMatrix(IReadOnlyList<string> attacks, IReadOnlyList<string> columns, Dictionary<(string, string), MatrixCell> cells)
    {
        Attacks = attacks;
        Columns = columns;
        _cells = cells;
    }

    /// <summary>Row labels: attack kinds, and <c>kind (variant)</c> for a variant (<see cref="RowOf"/>).</summary>
    public IReadOnlyList<string> Attacks { get; }

    /// <summary>Defense columns that occur.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>True when no scenario ran an attack.</summary>
    public bool IsEmpty => Attacks.Count == 0;

    /// <summary>The cell of row <paramref name="attack"/> under <paramref name="column"/>, or null when no scenario ran that pair.</summary>
    public MatrixCell? this[string attack, string column] => _cells.GetValueOrDefault((attack, column));

    /// <summary>Where a defense column (or a bench preset) sorts: none, signed, tls-like, zero-trust, paranoid, custom, then others.</summary>
    public static int Rank(string column) => Array.IndexOf(ColumnOrder, column) is var i && i >= 0 ? i : ColumnOrder.Length;

    /// <summary>The defense column a scenario belongs to: its preset, "none" without defenses, else "custom".</summary>
    public static string ColumnOf(ScenarioResult r) => r.Preset ?? (r.Defenses.Count == 0 ? "none" : "custom");

    /// <summary>The row an attack's result belongs to: its kind, with its variant in parentheses when it ran one.</summary>
    public static string RowOf(AttackResult attack)
    {
        ArgumentNullException.ThrowIfNull(attack);
        return attack.Variant is null ? attack.Kind : $"{attack.Kind} ({attack.Variant})";
    }

    /// <summary>Builds the matrix of <paramref name="results"/>.</summary>
    public static AttackMatrix From(IEnumerable<ScenarioResult> results)
    {
        var entries = results.SelectMany(r => r.Attacks.Select(a => (Kind: RowOf(a), Column: ColumnOf(r), Scenario: r.Name, Result: a))).ToList();
        var cells = entries.GroupBy(e => (e.Kind, e.Column)).ToDictionary(
            g => g.Key,
            g => new MatrixCell(
                g.Sum(e => (long)e.Result.Attempts), g.Sum(e => (long)e.Result.Succeeded), g.Sum(e => (long)e.Result.Detected),
                g.Sum(e => (long)e.Result.Blocked), g.Sum(e => (long)e.Result.Absorbed), g.Select(e => e.Scenario).Distinct().ToArray()));
        var columns = entries.Select(e => e.Column).Distinct()
            .OrderBy(Rank).ThenBy(c => c, StringComparer.Ordinal)
            .ToArray();
        var attacks = entries.Select(e => e.Kind).Distinct().Order(StringComparer.Ordinal).ToArray();
        return new AttackMatrix(attacks, columns, cells);
    }
}
