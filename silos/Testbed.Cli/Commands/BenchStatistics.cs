using System.CommandLine;

namespace Testbed.Cli.Commands;

/// <summary>Options shared by the bench commands.</summary>
internal static class BenchOptions
{
    /// <summary>An integer option that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int> Integer(string name, int defaultValue, string description, int min = 1, int max = int.MaxValue)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is var v && (v < min || v > max))
            {
                r.AddError(max == int.MaxValue ? $"{name} must be at least {min}" : $"{name} must be {min}..{max}");
            }
        });
        return option;
    }

    /// <summary>The results folder option.</summary>
    public static Option<DirectoryInfo> Out(string file) =>
        new("--out") { Description = $"Folder for {file}.", DefaultValueFactory = _ => new DirectoryInfo("results") };
}
