using Testbed.Fuzz.Engine;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;

namespace Testbed.Fuzz.Targets;

/// <summary>
/// The scenario loader (ScenarioLoader.Parse with the build's catalog, as the CLI loads files) on mutated text of the
/// shipped scenarios (scenarios/**/*.yaml) and one with an inline authz policy: it throws nothing but its documented
/// <see cref="ScenarioException"/>, and every error it reports carries a line:column inside the text. Texts that still
/// load join the corpus.
/// </summary>
public sealed class ScenarioTarget() : YamlTarget(Seeds())
{
    private const string InlinePolicy =
        """
        name: inline-policy
        seed: 7
        cluster: { silos: 2 }
        workload: { accounts: 4, operations: 100, mode: open, rate: 200, concurrency: 2 }
        defenses:
          - tls-like
          - name: authz
            policy: |
              allow:
                - from: customer/{n}
                  to: payments/*
                  kinds: [order]
        faults:
          - {kind: drop, start: 100ms, stop: 1s, probability: 0.05}
        attacks:
          - {kind: replay, start: 100ms, stop: 2s, count: 5}
        expect:
          invariants: [money-conserved, at-most-once]
          minGoodput: 10
          maxP99Ms: 500
          maxSecurityEvents: 100
        """;

    /// <inheritdoc />
    public override string Name => "scenario";

    /// <inheritdoc />
    public override string Checks => "ScenarioLoader throws only ScenarioException; every error has a line:column inside the text";

    /// <inheritdoc />
    protected override Verdict Run(string text)
    {
        try
        {
            ScenarioLoader.Parse(text, "fuzz.yaml", TestbedCatalog.Default);
            return Verdict.Kept;
        }
        catch (ScenarioException e)
        {
            return CheckPositions(text, e.Errors.Select(x => (x.Line, x.Column, x.Message)));
        }
    }

    private static List<string> Seeds()
    {
        var folder = FindScenarios() ?? throw new InvalidOperationException("scenario target: no scenarios/ folder found (run from the repository)");
        var files = Directory.EnumerateFiles(folder, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
        return [.. files.Select(File.ReadAllText), InlinePolicy];
    }
}
