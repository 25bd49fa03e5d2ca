using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Testbed.Hosting.Runs;

namespace Testbed.Cli.Commands;

/// <summary>
/// Options shared by the bench commands, each read by one parser that also checks the value: a malformed, out-of-range
/// or unknown value becomes a parse error naming the option and why (the CLI exits 2 before anything runs). Validators
/// that read a value System.CommandLine failed to convert throw instead; these options have none.
/// </summary>
internal static class BenchOptions
{
    /// <summary>An integer option that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int> Integer(string name, int defaultValue, string description, int min = 1, int max = int.MaxValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue, CustomParser = r => ParseInteger(r, name, r.Tokens[0].Value, min, max) };

    /// <summary>A list of integers (one or more, several per token allowed), each in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int[]> Integers(string name, IReadOnlyList<int> defaultValue, string description, int min, int max) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => [.. defaultValue],
        AllowMultipleArgumentsPerToken = true,
        CustomParser = r => [.. r.Tokens.Select(t => ParseInteger(r, name, t.Value, min, max))],
    };

    /// <summary>A number (invariant culture) that must lie in [<paramref name="min"/>, <paramref name="max"/>] <paramref name="unit"/>.</summary>
    public static Option<double> Number(string name, double defaultValue, string description, double min, double max, string unit) =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                var token = r.Tokens[0].Value;
                var expected = $"(expected {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)} {unit})";
                if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                {
                    r.AddError($"{name}: {Quoted(token)} is not a number {expected}");
                    return defaultValue;
                }

                if (value < min || value > max)
                {
                    r.AddError($"{name}: {token} is out of range {expected}");
                }

                return value;
            },
        };

    /// <summary>One of <paramref name="values"/> (listed in help and completions).</summary>
    public static Option<string> OneOf(string name, string defaultValue, string description, params string[] values)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue, CustomParser = r => Known(r, name, r.Tokens[0].Value, values) };
        option.CompletionSources.Add(values);
        return option;
    }

    /// <summary>Some of <paramref name="values"/> (one or more, several per token allowed).</summary>
    public static Option<string[]> SomeOf(string name, IReadOnlyList<string> defaultValue, string description, IReadOnlyList<string> values)
    {
        var option = new Option<string[]>(name)
        {
            Description = description,
            DefaultValueFactory = _ => [.. defaultValue],
            AllowMultipleArgumentsPerToken = true,
            CustomParser = r => [.. r.Tokens.Select(t => Known(r, name, t.Value, values))],
        };
        option.CompletionSources.Add([.. values]);
        return option;
    }

    /// <summary>Defense presets or layer names of this build (one or more).</summary>
    public static Option<string[]> Defenses(IReadOnlyList<string> defaultValue, string description) => new("--presets")
    {
        Description = description,
        DefaultValueFactory = _ => [.. defaultValue],
        AllowMultipleArgumentsPerToken = true,
        CustomParser = r =>
        {
            var names = r.Tokens.Select(t => t.Value).ToArray();
            var unknown = names.Where(n => !TestbedCatalog.Default.IsDefense(n)).Distinct(StringComparer.Ordinal).ToArray();
            if (unknown.Length > 0)
            {
                r.AddError($"--presets: unknown defense(s) {string.Join(", ", unknown.Select(Quoted))}; known: {string.Join(", ", TestbedCatalog.Default.Defenses)}");
            }

            return names;
        },
    };

    /// <summary>The results folder option: a path that is not an existing file (nothing is created until the results are written).</summary>
    public static Option<DirectoryInfo> Out(string file) => new("--out")
    {
        Description = $"Folder for {file}.",
        DefaultValueFactory = _ => new DirectoryInfo("results"),
        CustomParser = r =>
        {
            var path = r.Tokens[0].Value;
            if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
            {
                r.AddError($"--out: {Quoted(path)} is not a folder path");
                return null;
            }

            if (File.Exists(path))
            {
                r.AddError($"--out: {Quoted(path)} is a file, not a folder");
            }

            return new DirectoryInfo(path);
        },
    };

    private static int ParseInteger(ArgumentResult result, string name, string token, int min, int max)
    {
        var expected = max == int.MaxValue ? $"(expected at least {min})" : $"(expected {min}..{max})";
        if (!long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            // Too many digits for a long is still a whole number, just far out of range.
            result.AddError(token.TrimStart('-', '+') is { Length: > 0 } digits && digits.All(char.IsAsciiDigit)
                ? $"{name}: {token} is out of range {expected}"
                : $"{name}: {Quoted(token)} is not a whole number {expected}");
            return min;
        }

        if (value < min || value > max)
        {
            result.AddError($"{name}: {value} is out of range {expected}");
            return min;
        }

        return (int)value;
    }

    private static string Known(ArgumentResult result, string name, string token, IReadOnlyList<string> values)
    {
        if (!values.Contains(token, StringComparer.Ordinal))
        {
            result.AddError($"{name}: {Quoted(token)} is not one of {string.Join(", ", values)}");
        }

        return token;
    }

    private static string Quoted(string value) => $"'{value}'";
}
