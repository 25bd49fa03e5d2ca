using System.Text.Json;
using Testbed.Attacks.Api;
using Testbed.Attacks.Faults;
using Testbed.Checking;
using Testbed.Cli;
using Testbed.Defenses;
using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Cli;

/// <summary><c>testbed list</c>: every name a scenario may use, described from the catalogs the loader checks against.</summary>
public sealed class ListCommandTests
{
    private static readonly string Examples = Path.Combine(RepoRoot(), "scenarios", "examples");

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Testbed.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Testbed.sln not found above the test binaries");
    }

    private static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = await TestbedCli.RunAsync(args, error, output);
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<JsonElement[]> Items(params string[] args)
    {
        var (code, output, error) = await Run([.. args, "--json"]);
        Assert.True(code == ExitCodes.Passed, error);
        return [.. JsonDocument.Parse(output).RootElement.GetProperty("items").EnumerateArray()];
    }

    private static Dictionary<string, string> Defaults(JsonElement kind) =>
        kind.GetProperty("options").EnumerateArray().Where(o => o.GetProperty("default").GetString() is { Length: > 0 })
            .ToDictionary(o => o.GetProperty("name").GetString()!, o => o.GetProperty("default").GetString()!, StringComparer.Ordinal);

    [Fact]
    public async Task Attacks_are_listed_with_their_ids_capabilities_and_options_and_each_default_loads_as_written()
    {
        var attacks = await Items("list", "attacks");

        Assert.Equal(AttackCatalog.Builtin.Kinds, attacks.Select(a => a.GetProperty("kind").GetString()));
        var tamper = attacks.Single(a => a.GetProperty("kind").GetString() == "tamper");
        Assert.Equal("CAPEC-384", tamper.GetProperty("capec").GetString());
        Assert.Equal(["intercept"], tamper.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        var probability = tamper.GetProperty("options").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "probability");
        Assert.Equal(("number", "1", 0.0, 1.0), (probability.GetProperty("type").GetString(), probability.GetProperty("default").GetString(),
            probability.GetProperty("min").GetDouble(), probability.GetProperty("max").GetDouble()));
        foreach (var attack in attacks)
        {
            // Every option written back with its listed default is accepted: the list describes what loads.
            var kind = attack.GetProperty("kind").GetString()!;
            Assert.Null(AttackCatalog.Builtin.Check(kind, Defaults(attack)));
            Assert.NotEmpty(attack.GetProperty("description").GetString()!);
        }
    }

    [Fact]
    public async Task Faults_say_what_an_entry_must_give_and_their_defaults_load()
    {
        var faults = await Items("list", "faults");

        Assert.Equal(FaultCatalog.Kinds, faults.Select(f => f.GetProperty("kind").GetString()));
        Assert.All(faults, f => Assert.Equal(JsonValueKind.Null, f.GetProperty("capec").ValueKind));
        var drop = faults.Single(f => f.GetProperty("kind").GetString() == "drop");
        Assert.Contains("probability", drop.GetProperty("options").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Null, drop.GetProperty("requires").ValueKind);
        foreach (var fault in faults.Where(f => f.GetProperty("requires").ValueKind == JsonValueKind.Null))
        {
            Assert.Null(FaultCatalog.Check(fault.GetProperty("kind").GetString()!, Defaults(fault), silos: 3));
        }

        var skew = faults.Single(f => f.GetProperty("kind").GetString() == "clock-skew");
        Assert.Contains("offset", skew.GetProperty("requires").GetString());
    }

    [Fact]
    public async Task Defenses_presets_and_invariants_are_the_catalogs()
    {
        var layers = await Items("list", "defenses");
        var presets = await Items("list", "presets");
        var invariants = await Items("list", "invariants");

        Assert.Equal(DefenseCatalog.Layers.Select(l => l.Name), layers.Select(l => l.GetProperty("name").GetString()));
        foreach (var layer in layers)
        {
            // Each listed default, written alone, is accepted — or refused only because it belongs to another mode.
            foreach (var option in layer.GetProperty("options").EnumerateArray().Where(o => o.GetProperty("default").ValueKind == JsonValueKind.String))
            {
                var spec = new DefenseSpec
                {
                    Name = layer.GetProperty("name").GetString()!,
                    Options = new Dictionary<string, string> { [option.GetProperty("name").GetString()!] = option.GetProperty("default").GetString()! },
                };
                var refused = DefenseCatalog.Check(spec);
                Assert.True(refused is null || refused.Contains("applies only to", StringComparison.Ordinal), $"{spec.Name}: {refused}");
            }
        }

        var tls = presets.Single(p => p.GetProperty("name").GetString() == "tls-like");
        Assert.Equal(["session", "encrypt", "replay"], tls.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        Assert.Equal(Invariants.All, invariants.Select(i => i.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task A_scenario_narrows_the_list_to_its_kinds_scripted_ones_described_from_their_class()
    {
        var scenario = Path.Combine(Examples, "01-late-replay-none.yaml");
        var attacks = await Items("list", "attacks", "--scenario", scenario);

        var scripted = Assert.Single(attacks);
        Assert.Equal("late-replay", scripted.GetProperty("kind").GetString());
        Assert.Equal(Path.Combine(Examples, "late-replay.cs"), scripted.GetProperty("script").GetString());
        Assert.Equal(["delay", "count"], scripted.GetProperty("options").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        Assert.Empty(await Items("list", "faults", "--scenario", scenario));

        var (code, output, _) = await Run("list", "attacks", "--scenario", scenario);
        Assert.Equal(ExitCodes.Passed, code);
        Assert.Contains("late-replay", output);
        Assert.Contains("delay duration (3500ms)", output);
    }

    [Theory]
    [InlineData("list", "bogus")]
    [InlineData("list", "presets", "--scenario", "any.yaml")]
    [InlineData("list", "attacks", "--scenario", "missing.yaml")]
    public async Task Bad_arguments_exit_2_saying_why(params string[] args)
    {
        var (code, _, error) = await Run(args);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(args[1] == "presets" ? "--scenario: applies to 'list attacks' and 'list faults'" : args[^1], error);
    }
}
