using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Scenarios;

/// <summary>A small catalog and helpers shared by the scenario tests.</summary>
internal static class ScenarioTestSupport
{
    public const string Source = "test.yaml";

    public static readonly ScenarioCatalog Catalog = new(
        defenses: ["rate-limit", "idempotency-keys"],
        faultKinds: ["silo-crash", "latency"],
        attackKinds: ["replay", "double-spend"],
        invariants: ["conservation", "no-negative-balance", "exactly-once"]);

    /// <summary>Joins lines with '\n' so that tests can state positions by line.</summary>
    public static string Yaml(params string[] lines) => string.Join('\n', lines) + "\n";

    public static Scenario Parse(string yaml) => ScenarioLoader.Parse(yaml, Source, Catalog);

    public static IReadOnlyList<ScenarioError> Errors(string yaml) =>
        Assert.Throws<ScenarioException>(() => Parse(yaml)).Errors;

    /// <summary>Asserts that parsing gives exactly one error, at the given position, containing every fragment.</summary>
    public static ScenarioError SingleError(string yaml, int line, int column, params string[] fragments)
    {
        var error = Assert.Single(Errors(yaml));
        AssertError(error, line, column, fragments);
        return error;
    }

    public static void AssertError(ScenarioError error, int line, int column, params string[] fragments)
    {
        Assert.Equal(Source, error.File);
        Assert.True(
            error.Line == line && error.Column == column,
            $"expected {line}:{column} but the error was at {error.Line}:{error.Column}: {error.Message}");
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        }
    }
}
