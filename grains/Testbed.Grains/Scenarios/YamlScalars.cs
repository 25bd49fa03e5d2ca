using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Testbed.Scenarios;

/// <summary>
/// Typed reading of single YAML nodes. Each reader records an error naming <c>name</c> and the expected type or
/// range at the node's position and returns null when the node does not fit.
/// Numbers and booleans must be plain (unquoted) scalars; numbers use the invariant culture.
/// </summary>
internal static partial class YamlScalars
{
    /// <summary>
    /// Where the second document of <paramref name="yaml"/> (a text that parsed) starts: its <c>---</c> marker, which
    /// lies inside the text even when that document is empty. <see cref="Mark.Empty"/> when there is none.
    /// </summary>
    public static Mark SecondDocumentStart(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        var documents = 0;
        while (parser.MoveNext())
        {
            if (parser.Current is YamlDotNet.Core.Events.DocumentStart start && ++documents == 2)
            {
                return start.Start;
            }
        }

        return Mark.Empty;
    }

    /// <summary>True for an empty plain value, <c>~</c> or <c>null</c>: YAML's null.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>Describes what was found, for "expected X, found Y" messages.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a sequence",
        _ when IsNull(node) => "nothing (null)",
        YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar => Quote(scalar.Value ?? ""),
        YamlScalarNode scalar => "the quoted string " + Quote(scalar.Value ?? ""),
        _ => "an unsupported node",
    };

    public static string Quote(string text) => "'" + (text.Length > 40 ? text[..40] + "..." : text) + "'";

    public static long? Integer(ScenarioErrorSink sink, YamlNode node, string name, long min, long max, string? rangeNote = null)
    {
        if (Plain(node) is not { } text || !IntegerPattern().IsMatch(text))
        {
            sink.Add(node, $"{name}: expected an integer, found {Describe(node)}");
            return null;
        }

        var inRange = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max;
        if (!inRange)
        {
            sink.Add(node, $"{name}: must be in range {Format(min)}..{Format(max)}{Note(rangeNote)}, found {text}");
            return null;
        }

        return value;
    }

    /// <summary>Reads a finite number; <paramref name="minExclusive"/> makes <paramref name="min"/> itself invalid.</summary>
    public static double? Number(ScenarioErrorSink sink, YamlNode node, string name, double min, double max, bool minExclusive = false)
    {
        if (Plain(node) is not { } text
            || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value))
        {
            sink.Add(node, $"{name}: expected a number, found {Describe(node)}");
            return null;
        }

        var inRange = (minExclusive ? value > min : value >= min) && value <= max;
        if (!inRange)
        {
            var range = (double.IsPositiveInfinity(max), minExclusive) switch
            {
                (true, true) => $"must be greater than {Format(min)}",
                (true, false) => $"must be at least {Format(min)}",
                _ => $"must be in range {Format(min)}..{Format(max)}",
            };
            sink.Add(node, $"{name}: {range}, found {text}");
            return null;
        }

        return value;
    }

    public static bool? Boolean(ScenarioErrorSink sink, YamlNode node, string name)
    {
        switch (Plain(node))
        {
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
            default:
                sink.Add(node, $"{name}: expected a boolean (true or false), found {Describe(node)}");
                return null;
        }
    }

    /// <summary>Reads any non-null scalar as text, quoted or not.</summary>
    public static string? Text(ScenarioErrorSink sink, YamlNode node, string name)
    {
        if (node is YamlScalarNode { Value: { } value } && !IsNull(node))
        {
            return value;
        }

        sink.Add(node, $"{name}: expected a string, found {Describe(node)}");
        return null;
    }

    public static TimeSpan? Duration(ScenarioErrorSink sink, YamlNode node, string name, TimeSpan min, TimeSpan max)
    {
        if (node is not YamlScalarNode { Value: { } text } || !ScenarioDuration.TryParse(text, out var value))
        {
            sink.Add(node, $"{name}: expected a duration such as 500ms, 10s or 2m, found {Describe(node)}");
            return null;
        }

        if (value < min || value > max)
        {
            sink.Add(node, $"{name}: must be in range {ScenarioDuration.Format(min)}..{ScenarioDuration.Format(max)}, found {text}");
            return null;
        }

        return value;
    }

    public static YamlMappingNode? Mapping(ScenarioErrorSink sink, YamlNode node, string name)
    {
        if (node is YamlMappingNode mapping)
        {
            return mapping;
        }

        sink.Add(node, $"{name}: expected a mapping, found {Describe(node)}");
        return null;
    }

    public static YamlSequenceNode? Sequence(ScenarioErrorSink sink, YamlNode node, string name)
    {
        if (node is YamlSequenceNode sequence)
        {
            return sequence;
        }

        sink.Add(node, $"{name}: expected a list, found {Describe(node)}");
        return null;
    }

    public static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Note(string? note) => note is null ? "" : $" ({note})";

    /// <summary>The text of a plain, non-null scalar; null for anything else.</summary>
    private static string? Plain(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: { } value } && !IsNull(node) ? value : null;

    [GeneratedRegex(@"^[-+]?[0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerPattern();
}
