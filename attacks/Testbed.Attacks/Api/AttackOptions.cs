using System.Globalization;
using Testbed.Scenarios;

namespace Testbed.Attacks.Api;

/// <summary>
/// An attack's options as written in the scenario (<c>attacks: - {kind: replay, start: 2s, stop: 8s, target: payments, …}</c>),
/// with typed getters that throw <see cref="ArgumentException"/> naming the key and what was expected. Keys not read by
/// the attack are reported by <see cref="RejectUnread"/>. Every getter also records what it was asked — name, type,
/// default, range, choices — in <see cref="Described"/>, which is how <c>testbed list</c> describes a kind
/// (<see cref="KindDescription"/>).
/// </summary>
public sealed class AttackOptions(IReadOnlyDictionary<string, string> raw)
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly List<OptionDescription> _described = [];

    /// <summary>The raw options.</summary>
    public IReadOnlyDictionary<string, string> Raw { get; } = raw;

    /// <summary>Every option read so far, in the order first read (a key read twice is described as first read).</summary>
    public IReadOnlyList<OptionDescription> Described => _described;

    /// <summary>A text option.</summary>
    public string Text(string key, string fallback)
    {
        Describe(new OptionDescription(key, OptionType.Text, fallback, null, null, []));
        return TextValue(key, fallback);
    }

    /// <summary>An integer option within [min, max].</summary>
    public int Integer(string key, int fallback, int min, int max)
    {
        Describe(new OptionDescription(key, OptionType.Integer, fallback < min || fallback > max ? "" : Format(fallback), min, max, [])); // out of range: "not given"
        return Bounded(key, fallback, min, max, "an integer", t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null);
    }

    /// <summary>A number option within [min, max].</summary>
    public double Number(string key, double fallback, double min, double max)
    {
        Describe(new OptionDescription(key, OptionType.Number, fallback < min || fallback > max ? "" : Format(fallback), min, max, []));
        return Bounded(key, fallback, min, max, "a number", t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null);
    }

    /// <summary>A duration option (500ms, 2s, 1m).</summary>
    public TimeSpan Duration(string key, TimeSpan fallback)
    {
        Describe(new OptionDescription(key, OptionType.Duration, fallback < TimeSpan.Zero ? "-" + ScenarioDuration.Format(-fallback) : ScenarioDuration.Format(fallback), null, null, []));
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
        Describe(new OptionDescription(key, OptionType.Choice, fallback, null, null, [.. allowed]));
        var value = TextValue(key, fallback);
        return allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new ArgumentException($"option '{key}' must be one of {string.Join(", ", allowed)}, found '{value}'");
    }

    private string TextValue(string key, string fallback)
    {
        _read.Add(key);
        return Raw.TryGetValue(key, out var value) && value.Length > 0 ? value : fallback;
    }

    private void Describe(OptionDescription option)
    {
        if (!_described.Exists(d => d.Name == option.Name))
        {
            _described.Add(option);
        }
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

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

/// <summary>The value type of an option, as <see cref="AttackOptions"/> reads it.</summary>
public enum OptionType
{
    /// <summary>Free text (the kind may parse it further, e.g. a silo position or <c>any</c>).</summary>
    Text,
    /// <summary>A whole number within [<see cref="OptionDescription.Min"/>, <see cref="OptionDescription.Max"/>].</summary>
    Integer,
    /// <summary>A number within [<see cref="OptionDescription.Min"/>, <see cref="OptionDescription.Max"/>].</summary>
    Number,
    /// <summary>A duration such as 500ms, 2s, 1m.</summary>
    Duration,
    /// <summary>One of <see cref="OptionDescription.Choices"/>.</summary>
    Choice,
}

/// <summary>
/// One option a kind read: its key, type, default as written in a scenario (<c>2000</c>, <c>50ms</c>, <c>encrypt</c>; empty
/// when there is none: a number default outside its range is the kind's "not given", e.g. spoof's <c>victim</c>), the
/// range the getter enforces (integer and number options; further checks a kind makes itself are not recorded) and the
/// allowed values of a choice.
/// </summary>
public sealed record OptionDescription(string Name, OptionType Type, string Default, double? Min, double? Max, IReadOnlyList<string> Choices);
