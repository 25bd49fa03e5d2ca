using System.Globalization;
using Testbed.Attacks.Api;
using Testbed.Attacks.Faults;
using Testbed.Scenarios;

namespace Testbed.Hosting.Runs;

/// <summary>
/// Judges the conditions of <c>expect.attacks</c>, <c>expect.faults</c> and <c>expect.securityEvents</c> by layer and reason,
/// and the conditions every scenario implies (<see cref="Implied"/>).
/// </summary>
public static class ExpectationJudge
{
    /// <summary>
    /// A condition on the attacks of one kind: a verdict count or a reported detail summed over them, or a time in milliseconds (<c>mttdMs</c>,
    /// <c>containmentMs</c>) of the slowest of them, rounded up — which fails when one was never detected or contained.
    /// Fails when the scenario runs no attack of the kind.
    /// </summary>
    public static ExpectationResult Attack(AttackExpectation expected, IReadOnlyList<AttackResult> attacks)
    {
        var mine = attacks.Where(a => a.Kind == expected.Kind).ToArray();
        var name = $"attack {expected.Kind} {expected.Measure} {expected.Condition}";
        if (mine.Length == 0)
        {
            return new(name, false, "the scenario runs no such attack");
        }

        if (expected.Detail is { } detail)
        {
            // A figure the attacks report (summed over them): fails when none of them reported it.
            var reported = mine.Where(a => a.Details.ContainsKey(detail)).ToArray();
            var sum = reported.Sum(a => a.Details[detail]);
            return new(name, reported.Length > 0 && expected.Holds(sum),
                reported.Length == 0 ? $"no {expected.Kind} attack reported '{detail}'" : sum.ToString("0.###", CultureInfo.InvariantCulture));
        }

        if (expected.Measure is "mttdMs" or "containmentMs")
        {
            var times = mine.Select(a => expected.Measure == "mttdMs" ? a.MttdMs : a.ContainmentMs).ToArray();
            if (times.Any(t => t is null))
            {
                return new(name, false, expected.Measure == "mttdMs" ? "never detected" : "never contained (no rate-limit block stopped its attempts)");
            }

            var slowest = times.Max()!.Value;
            return new(name, expected.Holds((long)Math.Ceiling(slowest)), string.Create(CultureInfo.InvariantCulture, $"{slowest:F1} ms"));
        }

        if (expected.Measure == "errors")
        {
            return Errors(name, expected, mine.SelectMany(a => a.Errors).ToArray());
        }

        long actual = expected.Measure switch
        {
            "attempts" => mine.Sum(a => a.Attempts),
            "succeeded" => mine.Sum(a => a.Succeeded),
            "detected" => mine.Sum(a => a.Detected),
            "blocked" => mine.Sum(a => a.Blocked),
            _ => mine.Sum(a => a.Absorbed),
        };
        return new(name, expected.Holds(actual), actual.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A condition on the faults of one kind: what they injected, summed, or their errors. Fails when the scenario runs no fault of the kind.</summary>
    public static ExpectationResult Fault(AttackExpectation expected, IReadOnlyList<FaultResult> faults)
    {
        var mine = faults.Where(f => f.Kind == expected.Kind).ToArray();
        var name = $"fault {expected.Kind} {expected.Measure} {expected.Condition}";
        if (mine.Length == 0)
        {
            return new(name, false, "the scenario runs no such fault");
        }

        if (expected.Measure == "errors")
        {
            return Errors(name, expected, mine.SelectMany(f => f.Errors).ToArray());
        }

        var injected = mine.Sum(f => f.Injected);
        var holds = expected.Holds(injected);
        return new(name, holds, !holds && mine.All(f => !f.Opened) ? $"{injected}: its window never opened" : injected.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// What every scenario checks without being told, so that an attack or fault that died cannot make a run green: each
    /// attack and fault entry the scenario runs raised no error (unless it states a condition on <c>errors</c> for the
    /// kind); each attack entry made an attempt (unless the scenario states one on <c>attempts</c>, such as <c>"0"</c> for
    /// an attack with nothing to attack); each fault entry injected something (unless it states one on <c>injected</c>).
    /// Judged per entry — two replay attacks are two checks, and a dead one cannot hide behind a live one — and named as
    /// the explicit ones are (with the entry, <c>attacks[1]</c>, when the kind runs more than once) plus " (implied)".
    /// An attack that silently does nothing where <c>attempts: "0"</c> is stated is beyond this: such cells need a
    /// liveness figure of their own (<c>details</c>).
    /// </summary>
    public static IEnumerable<ExpectationResult> Implied(Scenario scenario, IReadOnlyList<AttackResult> attacks, IReadOnlyList<FaultResult> faults) =>
        ImpliedPerEntry("attack", "attacks", "attempts", scenario.Attacks, scenario.Expect.Attacks, attacks, a => a.Kind, Attack)
            .Concat(ImpliedPerEntry("fault", "faults", "injected", scenario.Faults, scenario.Expect.Faults, faults, f => f.Kind, Fault));

    /// <summary>
    /// For each entry of one section: no error, and its count (<paramref name="countMeasure"/>) above 0, unless the
    /// scenario states that measure for the kind. Results come in scenario order, one per entry; should that ever not
    /// hold, the kind is judged as a whole.
    /// </summary>
    private static IEnumerable<ExpectationResult> ImpliedPerEntry<TResult>(string what, string section, string countMeasure, IReadOnlyList<ActionSpec> entries,
        IReadOnlyList<AttackExpectation> stated, IReadOnlyList<TResult> results, Func<TResult, string> kindOf,
        Func<AttackExpectation, IReadOnlyList<TResult>, ExpectationResult> judge)
    {
        var byEntry = results.Count == entries.Count && results.Select(kindOf).SequenceEqual(entries.Select(e => e.Kind));
        for (var i = 0; i < entries.Count; i++)
        {
            var kind = entries[i].Kind;
            var label = entries.Count(e => e.Kind == kind) > 1 ? $"{kind} ({section}[{i}])" : kind;
            IReadOnlyList<TResult> mine = byEntry ? [results[i]] : results;
            foreach (var measure in new[] { "errors", countMeasure }.Where(m => !stated.Any(e => e.Kind == kind && e.Measure == m)))
            {
                var condition = new AttackExpectation(kind, measure, measure == "errors" ? CountComparison.Equal : CountComparison.Greater, 0, 0, 0);
                yield return judge(condition, mine) with { Name = $"{what} {label} {measure} {condition.Condition} (implied)" };
            }
        }
    }

    /// <summary>A condition on a number of distinct errors; the detail quotes the first.</summary>
    private static ExpectationResult Errors(string name, AttackExpectation expected, string[] errors) =>
        new(name, expected.Holds(errors.Length), errors.Length == 0 ? "no error" : errors.Length == 1 ? $"1 error: {errors[0]}" : $"{errors.Length} distinct errors, the first: {errors[0]}");

    /// <summary>A condition on the security events of one layer (kind "ratelimit") or of one layer and reason ("ratelimit/source-blocked").</summary>
    public static ExpectationResult Events(AttackExpectation expected, SecurityEventSummary events)
    {
        var slash = expected.Kind.IndexOf('/', StringComparison.Ordinal);
        var (layer, reason) = slash < 0 ? (expected.Kind, null) : (expected.Kind[..slash], expected.Kind[(slash + 1)..]);
        var count = events.ByLayer.TryGetValue(layer, out var byReason)
            ? reason is null ? byReason.Values.Sum() : byReason.GetValueOrDefault(reason)
            : 0;
        return new($"securityEvents {expected.Kind} {expected.Condition}", expected.Holds(count),
            string.Create(CultureInfo.InvariantCulture, $"{count} {expected.Kind} events"));
    }
}
