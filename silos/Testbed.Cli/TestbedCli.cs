using System.CommandLine;
using Spectre.Console;
using Testbed.Cli.Commands;

namespace Testbed.Cli;

/// <summary>The <c>testbed</c> command line: parses arguments, runs a command, returns the exit code.</summary>
public static class TestbedCli
{
    /// <summary>
    /// Runs the CLI with <paramref name="args"/>; returns the process exit code (see <see cref="ExitCodes"/>). Errors go to
    /// <paramref name="error"/> (default stderr); <paramref name="output"/>, when given, receives what <c>list</c> prints
    /// (default: the console).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? error = null, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        error ??= Console.Error;
        if (Console.IsOutputRedirected && AnsiConsole.Profile.Width < 120)
        {
            AnsiConsole.Profile.Width = 120; // logs and CI: don't wrap tables at 80 columns
        }

        var root = new RootCommand("Testbed: services as Orleans grains exchanging envelopes over an interceptable wire, checked Jepsen-style.")
        {
            ScenarioCommands.Run(error, args),
            ScenarioCommands.Suite(error, args),
            AblateCommand.Create(error, args),
            BenchCommands.Bench(),
            NewCommand.Create(error),
            ListCommand.Create(error, output),
            SiloCommand.Create(error),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"testbed: {parseError.Message}");
            }

            await error.WriteLineAsync("Run 'testbed --help' for usage.");
            return ExitCodes.BadInput;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("testbed: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await error.WriteLineAsync($"testbed: unexpected error: {ex}");
            return ExitCodes.ExpectationFailed;
        }
    }
}
