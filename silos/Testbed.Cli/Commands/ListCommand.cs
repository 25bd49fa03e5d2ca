using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Testbed.Cli.Rendering;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;

namespace Testbed.Cli.Commands;

/// <summary>
/// <c>testbed list attacks|faults|defenses|presets|invariants [--json] [--scenario FILE]</c>: every name a scenario may use,
/// from the catalogs the loader checks against.
/// </summary>
internal static class ListCommand
{
    /// <summary>The command; it writes to <paramref name="output"/> (null: the console) and errors to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter error, TextWriter? output)
    {
        var categories = string.Join("|", ListModel.Categories);
        var category = new Argument<string>("category")
        {
            Description = $"What to list: {string.Join(", ", ListModel.Categories)}.",
            HelpName = categories,
        };
        category.CompletionSources.Add([.. ListModel.Categories]);
        category.Validators.Add(result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (!ListModel.Categories.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"list: unknown category '{value}'; one of {string.Join(", ", ListModel.Categories)}");
            }
        });
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON (field names documented in the README) instead of a table." };
        var scenario = new Option<FileInfo?>("--scenario")
        {
            Description = "List only the attack or fault kinds this scenario file's attacks: or faults: entries use (the file is loaded and checked first).",
        };
        var command = new Command("list",
            "List every name a scenario may use: attack and fault kinds (CAPEC / ATT&CK ids, capabilities, options with defaults and ranges), "
            + "defense layers (option keys and defaults), presets (their layers) and invariants. A kind's options are those it reads when "
            + "given none: options it reads only under another option's value (e.g. a mode) are not shown, and capabilities that depend "
            + "on an option are those of its defaults.")
        {
            category, json, scenario,
        };
        command.SetAction(parse => Execute(parse.GetValue(category)!, parse.GetValue(json), parse.GetValue(scenario), error, output));
        return command;
    }

    private static int Execute(string category, bool json, FileInfo? scenarioFile, TextWriter error, TextWriter? output)
    {
        Scenario? scenario = null;
        if (scenarioFile is not null)
        {
            if (category is not ("attacks" or "faults"))
            {
                error.WriteLine($"testbed: --scenario: applies to 'list attacks' and 'list faults', not '{category}'");
                return ExitCodes.BadInput;
            }

            try
            {
                scenario = ScenarioLoader.LoadFile(scenarioFile.FullName, TestbedCatalog.Default); // compiles its scripts
            }
            catch (ScenarioException ex)
            {
                return ScenarioCommands.BadInput(ex, error);
            }
        }

        object items = category switch
        {
            "attacks" => ListModel.Attacks(scenario),
            "faults" => ListModel.Faults(scenario),
            "defenses" => ListModel.Defenses(),
            "presets" => ListModel.Presets(),
            _ => ListModel.Invariants(),
        };

        if (json)
        {
            var writer = output ?? Console.Out;
            writer.WriteLine(JsonSerializer.Serialize(new { category, scenario = scenarioFile?.FullName, items }, ResultWriter.Json));
            writer.Flush();
            return ExitCodes.Passed;
        }

        ListTables.Write(Terminal(output), category, items);
        return ExitCodes.Passed;
    }

    private static IAnsiConsole Terminal(TextWriter? output)
    {
        if (output is null)
        {
            return AnsiConsole.Console;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return console;
    }
}
