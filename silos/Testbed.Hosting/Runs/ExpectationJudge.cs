using System.Globalization;
using Testbed.Attacks.Api;
using Testbed.Scenarios;

namespace Testbed.Hosting.Runs;

/// <summary>Judges the conditions of <c>expect.attacks</c> and of <c>expect.securityEvents</c> by layer and reason.</summary>
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
