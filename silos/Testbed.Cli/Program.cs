using System.CommandLine;
using Testbed.Cli;
using Testbed.Cli.Commands;

var root = new RootCommand("Testbed: services as Orleans grains exchanging envelopes over an interceptable wire, checked Jepsen-style.")
{
    ScenarioCommands.Run(),
    ScenarioCommands.Suite(),
    BenchCommands.Bench(),
};

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"testbed: {error.Message}");
    }

    Console.Error.WriteLine("Run 'testbed --help' for usage.");
    return ExitCodes.BadInput;
}

return await parse.InvokeAsync();
