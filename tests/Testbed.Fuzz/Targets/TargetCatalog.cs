using Testbed.Fuzz.Engine;

namespace Testbed.Fuzz.Targets;

/// <summary>Every fuzz target by name, in report order.</summary>
public static class TargetCatalog
{
    /// <summary>The target names: envelope, handshake, pipeline-PRESET for each preset, scenario, authz.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["envelope", "handshake", .. PipelineTarget.Presets.Select(p => $"pipeline-{p}"), "scenario", "authz"];

    /// <summary>A new instance of the target <paramref name="name"/>.</summary>
    public static IFuzzTarget Create(string name) => name switch
    {
        "envelope" => new EnvelopeTarget(),
        "handshake" => new HandshakeTarget(),
        "scenario" => new ScenarioTarget(),
        "authz" => new AuthzTarget(),
        _ when name.StartsWith("pipeline-", StringComparison.Ordinal) && PipelineTarget.Presets.Contains(name["pipeline-".Length..]) =>
            new PipelineTarget(name["pipeline-".Length..]),
        _ => throw new ArgumentException($"unknown fuzz target '{name}'; known: {string.Join(", ", Names)}"),
    };

    /// <summary>Runs <paramref name="name"/> for <paramref name="options"/> and disposes it.</summary>
    public static TargetResult Run(string name, FuzzOptions options)
    {
        using var target = Create(name);
        return FuzzRunner.Run(target, options);
    }
}
