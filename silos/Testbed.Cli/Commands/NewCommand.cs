using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace Testbed.Cli.Commands;

/// <summary>
/// <c>testbed new attack|fault &lt;name&gt; [--dir DIR]</c>: writes a commented template script (<c>&lt;name&gt;.cs</c>) and a
/// scenario that uses it (<c>&lt;name&gt;.yaml</c>), which <c>testbed run</c> passes as written. Never overwrites a file.
/// </summary>
internal static partial class NewCommand
{
    public static Command Create(TextWriter error)
    {
        var command = new Command("new", "Write a template scripted attack or fault and a scenario that runs it.");
        command.Subcommands.Add(Template("attack", error));
        command.Subcommands.Add(Template("fault", error));
        return command;
    }

    /// <summary>
    /// The class name of kind <paramref name="kind"/>: <c>count-orders</c> → <c>CountOrdersAttack</c>. Always suffixed, so no
    /// name (<c>attack</c>, <c>wire-fault</c>, <c>envelope</c>) collides with an API type the template uses.
    /// </summary>
    internal static string ClassName(string kind, string what) =>
        string.Concat(kind.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpper(p[0], CultureInfo.InvariantCulture) + p[1..]))
        + (what == "attack" ? "Attack" : "Fault");

    private static Command Template(string what, TextWriter error)
    {
        var name = new Argument<string>("name") { Description = $"The {what}'s kind: 1 to 64 characters of a-z, 0-9 and '-', starting with a letter." };
        var dir = new Option<DirectoryInfo>("--dir")
        {
            Description = "Folder to write <name>.cs and <name>.yaml into (created if missing).",
            DefaultValueFactory = _ => new DirectoryInfo("."),
        };
        var command = new Command(what, $"Write <name>.cs (a commented {what}) and <name>.yaml (a scenario that runs it).") { name, dir };
        command.SetAction(parse => Write(what, parse.GetValue(name)!, parse.GetValue(dir)!, error));
        return command;
    }

    private static int Write(string what, string kind, DirectoryInfo dir, TextWriter error)
    {
        if (!KindPattern().IsMatch(kind))
        {
            error.WriteLine($"testbed new {what}: name must be 1 to 64 characters of a-z, 0-9 and '-', starting with a letter, found '{kind}'");
            return ExitCodes.BadInput;
        }

        var builtin = what == "attack" ? Attacks.Api.AttackCatalog.Builtin.Kinds : Attacks.Faults.FaultCatalog.Kinds;
        if (builtin.Contains(kind, StringComparer.Ordinal))
        {
            error.WriteLine($"testbed new {what}: '{kind}' is a built-in {what}; a script needs a kind of its own");
            return ExitCodes.BadInput;
        }

        var files = new[] { (Path.Combine(dir.FullName, $"{kind}.cs"), $"{what}.cs.template"), (Path.Combine(dir.FullName, $"{kind}.yaml"), $"{what}.yaml.template") };
        if (files.FirstOrDefault(f => File.Exists(f.Item1)) is { Item1: { } existing })
        {
            error.WriteLine($"testbed new {what}: {existing} exists; nothing written");
            return ExitCodes.BadInput;
        }

        var texts = files.Select(f => Read(f.Item2).Replace("__KIND__", kind, StringComparison.Ordinal).Replace("__CLASS__", ClassName(kind, what), StringComparison.Ordinal)).ToArray();
        try
        {
            Directory.CreateDirectory(dir.FullName);
            for (var i = 0; i < files.Length; i++)
            {
                try
                {
                    using var file = new FileStream(files[i].Item1, FileMode.CreateNew, FileAccess.Write); // never overwrites, even in a race
                    using var writer = new StreamWriter(file);
                    writer.Write(texts[i]);
                }
                catch when (i > 0)
                {
                    File.Delete(files[0].Item1); // not half a pair
                    throw;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"testbed new {what}: cannot write into {dir.FullName}: {ex.Message}");
            return ExitCodes.BadInput;
        }

        AnsiConsole.MarkupLineInterpolated($"wrote [bold]{files[0].Item1}[/] and [bold]{files[1].Item1}[/]");
        AnsiConsole.MarkupLineInterpolated($"run it:  testbed run {files[1].Item1} --watch   (reruns when either file changes)");
        return ExitCodes.Passed;
    }

    private static string Read(string template)
    {
        using var stream = typeof(NewCommand).Assembly.GetManifestResourceStream(template)
            ?? throw new InvalidOperationException($"template {template} is not embedded in the CLI");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex KindPattern();
}
