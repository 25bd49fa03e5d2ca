using System.Globalization;
using Testbed.Scenarios;

namespace Testbed.Attacks.Api;

/// <summary>
/// An attack's options as written in the scenario (<c>attacks: - {kind: replay, start: 2s, stop: 8s, target: payments, …}</c>),
/// with typed getters that throw <see cref="ArgumentException"/> naming the key and what was expected. Keys not read by
/// the attack are reported by <see cref="RejectUnread"/>.
/// </summary>
public sealed class AttackOptions(IReadOnlyDictionary<string, string> raw)
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>The raw options.</summary>
    public IReadOnlyDictionary<string, string> Raw { get; } = raw;

    /// <summary>A text option.</summary>
    public string Text(string key, string fallback)
    {
        _read.Add(key);
        return Raw.TryGetValue(key, out var value) && value.Length > 0 ? value : fallback;
    }

    /// <summary>An integer option within [min, max].</summary>
    public int Integer(string key, int fallback, int min, int max) =>
        Bounded(key, fallback, min, max, "an integer", t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null);

    /// <summary>A number option within [min, max].</summary>
    public double Number(string key, double fallback, double min, double max) =>
        Bounded(key, fallback, min, max, "a number", t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null);

    /// <summary>A duration option (500ms, 2s, 1m).</summary>
    public TimeSpan Duration(string key, TimeSpan fallback)
    {
        _read.Add(key);
        if (!Raw.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return ScenarioDuration.TryParse(text, out var value) ? value : throw new ArgumentException($"option '{key}' must be a duration such as 500ms or 2s, found '{text}'");
    }

    /// <summary>One of <paramref name="allowed"/>.</summary>
    public string Choice(string key, string fallback, params string[] allowed)
    {
        var value = Text(key, fallback);
        return allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new ArgumentException($"option '{key}' must be one of {string.Join(", ", allowed)}, found '{value}'");
    }

    private T Bounded<T>(string key, T fallback, T min, T max, string what, Func<string, T?> parse) where T : struct, IComparable<T>
    {
        _read.Add(key);
        if (!Raw.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return parse(text) is { } value && value.CompareTo(min) >= 0 && value.CompareTo(max) <= 0
            ? value
            : throw new ArgumentException($"option '{key}' must be {what} in {min}..{max}, found '{text}'");
    }

    /// <summary>Throws when an option was given that the attack never read (a typo, or an option of another attack).</summary>
    public void RejectUnread()
    {
        var unread = Raw.Keys.Where(k => !_read.Contains(k)).Order(StringComparer.Ordinal).ToArray();
        if (unread.Length > 0)
        {
            throw new ArgumentException($"unknown option{(unread.Length > 1 ? "s" : "")} {string.Join(", ", unread.Select(k => $"'{k}'"))}; {(_read.Count == 0 ? "it takes no options" : $"it reads {string.Join(", ", _read.Order(StringComparer.Ordinal))}")}");
        }
    }
}
