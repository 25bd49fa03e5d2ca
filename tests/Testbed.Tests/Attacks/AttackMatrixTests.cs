using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Attacks;

/// <summary>
/// Every cell of the shipped attack × defense matrix (scenarios/suite/*-attack-*.yaml: each attack against none, signed,
/// tls-like and zero-trust, with its expected verdict counts written in the file), run on a fresh embedded cluster and
/// asserted here as in <c>testbed suite</c>: the cell's verdict expectations must exist and hold. Run alone (not beside
/// other test classes), as the suite runs: a flood's verdict compares goodput inside and outside its window, and other
/// tests' clusters competing for the same two cores would decide it instead of the flood.
/// </summary>
[Collection(Name)]
public sealed class AttackMatrixTests
{
    public const string Name = "attack matrix (alone)";

    private static readonly string Suite = Path.Combine(RepositoryRoot(), "scenarios", "suite");

    public static TheoryData<string> Cells()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Suite, "*-attack-*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void The_matrix_covers_every_attack_and_every_variant_in_the_suite_against_the_four_presets()
    {
        var cells = Directory.GetFiles(Suite, "*-attack-*.yaml")
            .Select(f => ScenarioLoader.LoadFile(f, TestbedCatalog.Default))
            .Where(s => s.Defenses.Count > 0 && s.Defenses[0] is "none" or "signed" or "tls-like" or "zero-trust") // a preset, maybe tuned
            .Select(s => (Row: RowOf(s.Attacks.Single()), Preset: s.Defenses[0]))
            .ToHashSet();

        // Every built-in kind in its default variant, and every variant some shipped scenario runs (a row of its own).
        var rows = Testbed.Attacks.Api.AttackCatalog.Builtin.Kinds.Union(cells.Select(c => c.Row)).ToArray();
        Assert.Contains("key-compromise (session)", rows);
        foreach (var row in rows)
        {
            foreach (var preset in new[] { "none", "signed", "tls-like", "zero-trust" })
            {
                Assert.True(cells.Contains((row, preset)), $"no shipped scenario runs {row} against {preset}");
            }
        }
    }

    /// <summary>The matrix row a scenario's attack lands in: as the report names it, from the attack as its options configure it.</summary>
    private static string RowOf(ActionSpec attack)
    {
        var (configured, _) = Testbed.Attacks.Api.AttackCatalog.Builtin.Create(attack.Kind, attack.Options);
        return configured.Variant is { } variant ? $"{attack.Kind} ({variant})" : attack.Kind;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Cell_meets_the_verdicts_written_in_its_scenario(string file)
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(Suite, file), TestbedCatalog.Default);
        Assert.NotEmpty(scenario.Expect.Attacks);

        var result = await ScenarioRunner.RunAsync(scenario);
        Assert.Null(result.Error);

        var verdicts = result.Expectations.Where(e => e.Name.StartsWith("attack ", StringComparison.Ordinal) && !e.Name.EndsWith(" (implied)", StringComparison.Ordinal)).ToArray();
        Assert.Equal(scenario.Expect.Attacks.Count, verdicts.Length);
        Assert.All(result.Attacks, a => Assert.True(a.Errors.Count == 0, $"{a.Kind}: {string.Join("; ", a.Errors)}")); // a cell never passes on an attack that failed
        Assert.Contains(result.Expectations, e => e.Name == $"attack {scenario.Attacks[0].Kind} errors 0 (implied)");
        Assert.True(result.Passed, string.Join("; ", result.Expectations.Where(e => !e.Passed).Select(e => $"{e.Name}: {e.Detail}")));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Testbed.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Testbed.sln not found above {AppContext.BaseDirectory}");
    }
}

[CollectionDefinition(AttackMatrixTests.Name, DisableParallelization = true)]
public sealed class AttackMatrixCollection;
