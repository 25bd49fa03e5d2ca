using Testbed.Attacks.Api;

namespace Testbed.Attacks.Faults;

/// <summary>The faults a scenario's <c>faults:</c> list can name.</summary>
public static class FaultCatalog
{
    private static readonly Dictionary<string, Func<Fault>> Factories = new(StringComparer.Ordinal)
    {
        ["clock-skew"] = () => new Clock.ClockSkew(),
        ["corrupt"] = () => new Wire.Corrupt(),
        ["delay"] = () => new Wire.Delay(),
        ["drop"] = () => new Wire.Drop(),
        ["duplicate"] = () => new Wire.Duplicate(),
        ["kill"] = () => new Node.Kill(),
        ["partition"] = () => new Wire.Partition(),
        ["pause"] = () => new Node.Pause(),
        ["reorder"] = () => new Wire.Reorder(),
        ["restart"] = () => new Node.Restart(),
        ["stop"] = () => new Node.Stop(),
    };

    /// <summary>Every fault kind.</summary>
    public static IReadOnlyList<string> Kinds => Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Creates and configures the fault <paramref name="kind"/>; <see cref="ArgumentException"/> for a bad option.</summary>
    public static Fault Create(string kind, IReadOnlyDictionary<string, string> options)
    {
        if (!Factories.TryGetValue(kind, out var factory))
        {
            throw new ArgumentException($"unknown fault kind '{kind}'; known: {string.Join(", ", Kinds)}");
        }

        var fault = factory();
        var parsed = new AttackOptions(options);
        fault.Configure(parsed);
        parsed.RejectUnread();
        return fault;
    }

    /// <summary>Checks a fault entry's options against a cluster of <paramref name="silos"/> silos; returns an error message or null.</summary>
    public static string? Check(string kind, IReadOnlyDictionary<string, string> options, int silos)
    {
        try
        {
            return Create(kind, options).CheckCluster(silos);
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }
}
