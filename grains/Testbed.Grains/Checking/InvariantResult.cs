using System.Text;

namespace Testbed.Checking;

/// <summary>Outcome of checking one invariant.</summary>
/// <param name="Name">Invariant name, one of <see cref="Invariants.All"/>.</param>
/// <param name="Description">What the invariant demands.</param>
/// <param name="Holds">Whether the history and final state satisfy it.</param>
/// <param name="Counterexamples">Up to the requested number of human-readable violations; empty when it holds.</param>
[GenerateSerializer, Immutable]
public sealed record InvariantResult(
    [property: Id(0)] string Name,
    [property: Id(1)] string Description,
    [property: Id(2)] bool Holds,
    [property: Id(3)] IReadOnlyList<string> Counterexamples);

/// <summary>Result of <see cref="HistoryChecker.Check"/>: one result per invariant plus history statistics.</summary>
[GenerateSerializer, Immutable]
public sealed record CheckReport(
    [property: Id(0)] IReadOnlyList<InvariantResult> Invariants,
    [property: Id(1)] HistoryStats Stats)
{
    /// <summary>True when every invariant holds.</summary>
    public bool AllHold => Invariants.All(result => result.Holds);

    /// <summary>The result for the named invariant.</summary>
    /// <exception cref="KeyNotFoundException">No invariant with that name was checked.</exception>
    public InvariantResult this[string name] =>
        Invariants.FirstOrDefault(result => result.Name == name)
        ?? throw new KeyNotFoundException($"invariant '{name}' was not checked");

    /// <summary>Multi-line, human-readable rendering: stats, then one line per invariant followed by its counterexamples.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append("history: ").Append(Stats.Invocations).Append(" invocations, ")
            .Append(Stats.Ok).Append(" ok, ").Append(Stats.Fail).Append(" fail, ")
            .Append(Stats.Info).Append(" info, ").Append(Stats.Pending).AppendLine(" pending");
        foreach (var result in Invariants)
        {
            text.Append(result.Holds ? "  PASS " : "  FAIL ").Append(result.Name).Append(": ").AppendLine(result.Description);
            foreach (var counterexample in result.Counterexamples)
            {
                text.Append("       - ").AppendLine(counterexample);
            }
        }

        return text.ToString();
    }
}

/// <summary>
/// Counts over a history. <see cref="Invocations"/> counts every invoke (transfers and reads);
/// <see cref="Ok"/>, <see cref="Fail"/> and <see cref="Info"/> count the completions that were matched to an invoke;
/// <see cref="Pending"/> counts invokes that never completed. Completions with no open invoke to match
/// (orphans, or a second completion of the same invoke) are ignored: they are not counted here and do not
/// acknowledge or fail anything.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record HistoryStats(
    [property: Id(0)] int Invocations,
    [property: Id(1)] int Ok,
    [property: Id(2)] int Fail,
    [property: Id(3)] int Info,
    [property: Id(4)] int Pending);
