using System.Globalization;
using Testbed.Fuzz.Targets;

namespace Testbed.Fuzz;

/// <summary>The harness's command line.</summary>
public sealed record FuzzArguments
{
    /// <summary>How to call the harness.</summary>
    public const string Usage =
        """
        usage: dotnet run -c Release --project tests/Testbed.Fuzz -- [options]
          --inputs N      inputs per target (default 100000)
          --seed N        the run's seed, decimal or 0x-hex (default: random, printed)
          --target NAME   a target (repeatable or comma-separated; default: all); see --list
          --out DIR       where fuzz.json and the findings go (default results/fuzz)
          --jobs N        targets run in parallel (default: processor count)
          --strict        known findings fail the run too
          --list          print the target names and exit
          --replay FILE   run one --target on a saved input (e.g. results/fuzz/scenario/crash-1.min.bin) and print what happens
        """;

    /// <summary>Inputs per target.</summary>
    public long Inputs { get; init; } = 100_000;

    /// <summary>The run's seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>The targets, in report order.</summary>
    public IReadOnlyList<string> Targets { get; init; } = TargetCatalog.Names;

    /// <summary>Output folder.</summary>
    public string Output { get; init; } = Path.Combine("results", "fuzz");

    /// <summary>Targets in parallel.</summary>
    public int Jobs { get; init; } = Environment.ProcessorCount;

    /// <summary>Known findings fail the run.</summary>
    public bool Strict { get; init; }

    /// <summary>A saved input to run once on the one target named.</summary>
    public string? Replay { get; init; }

    /// <summary>Only list the targets.</summary>
    public bool List { get; init; }

    /// <summary>Parses <paramref name="args"/>; false with a message for anything it does not understand.</summary>
    public static bool TryParse(IReadOnlyList<string> args, out FuzzArguments parsed, out string problem)
    {
        parsed = new FuzzArguments { Seed = (ulong)Random.Shared.NextInt64(1, int.MaxValue) };
        problem = "";
        var targets = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--strict" or "--list")
            {
                parsed = arg == "--strict" ? parsed with { Strict = true } : parsed with { List = true };
                continue;
            }

            if (arg is not ("--inputs" or "--seed" or "--target" or "--out" or "--jobs" or "--replay"))
            {
                problem = $"unknown argument '{arg}'";
                return false;
            }

            if (i + 1 >= args.Count)
            {
                problem = $"{arg} needs a value";
                return false;
            }

            var value = args[++i];
            switch (arg)
            {
                case "--inputs" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var inputs) && inputs > 0:
                    parsed = parsed with { Inputs = inputs };
                    break;
                case "--seed" when TryParseSeed(value, out var seed):
                    parsed = parsed with { Seed = seed };
                    break;
                case "--jobs" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var jobs) && jobs is >= 1 and <= 64:
                    parsed = parsed with { Jobs = jobs };
                    break;
                case "--replay" when File.Exists(value):
                    parsed = parsed with { Replay = value };
                    break;
                case "--out" when value.Length > 0:
                    parsed = parsed with { Output = value };
                    break;
                case "--target":
                    foreach (var name in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (name != "all" && !TargetCatalog.Names.Contains(name))
                        {
                            problem = $"unknown target '{name}'; known: {string.Join(", ", TargetCatalog.Names)}";
                            return false;
                        }

                        targets.AddRange(name == "all" ? TargetCatalog.Names : [name]);
                    }

                    break;
                default:
                    problem = $"bad value '{value}' for {arg}";
                    return false;
            }
        }

        if (targets.Count > 0)
        {
            parsed = parsed with { Targets = [.. TargetCatalog.Names.Where(targets.Contains)] };
        }

        if (parsed.Replay is not null && parsed.Targets.Count != 1)
        {
            problem = "--replay needs exactly one --target";
            return false;
        }

        return true;
    }

    private static bool TryParseSeed(string value, out ulong seed) =>
        value.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(value[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out seed)
            : ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out seed);
}
