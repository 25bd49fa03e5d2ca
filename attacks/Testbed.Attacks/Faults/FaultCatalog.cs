using Testbed.Attacks.Api;
using Testbed.Attacks.Scripting;
using Testbed.Scenarios;

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
    public static Fault Create(string kind, IReadOnlyDictionary<string, string> options) => Create(kind, options, null);

    /// <summary>Describes the fault <paramref name="kind"/> (a new instance, <see cref="KindDescription.Describe(Fault)"/>); <see cref="ArgumentException"/> for an unknown kind.</summary>
    public static KindDescription Describe(string kind) => Factories.TryGetValue(kind, out var factory)
        ? KindDescription.Describe(factory())
        : throw new ArgumentException($"unknown fault kind '{kind}'; known: {string.Join(", ", Kinds)}");

    /// <summary>
    /// As <see cref="Create(string, IReadOnlyDictionary{string, string})"/>, or from <paramref name="script"/> when it is
    /// given (compiled once per process): the fault its class declares, which must be <paramref name="kind"/> and no built-in kind.
    /// </summary>
    public static Fault Create(string kind, IReadOnlyDictionary<string, string> options, ScriptSource? script)
    {
        Func<Fault> factory;
        if (script is not null)
        {
            factory = ScriptCompiler.Compile(script).NewFault;
            if (Factories.ContainsKey(kind))
            {
                throw new ArgumentException($"{script.Path} declares fault kind '{kind}', which is a built-in fault");
            }
        }
        else if (!Factories.TryGetValue(kind, out factory!))
        {
            throw new ArgumentException($"unknown fault kind '{kind}'; known: {string.Join(", ", Kinds)}");
        }

        var fault = factory();
        if (fault.Kind != kind)
        {
            throw new ArgumentException($"fault kind '{kind}' is made by a class that declares kind '{fault.Kind}'");
        }

        var parsed = new AttackOptions(options);
        fault.Configure(parsed);
        parsed.RejectUnread();
        return fault;
    }

    /// <summary>Checks a fault entry's options against a cluster of <paramref name="silos"/> silos; returns an error message or null.</summary>
    public static string? Check(string kind, IReadOnlyDictionary<string, string> options, int silos, ScriptSource? script = null)
    {
        try
        {
            return Create(kind, options, script).CheckCluster(silos);
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
        catch (Exception ex) when (script is not null)
        {
            return $"the script's Configure (or CheckCluster) threw {ex.GetType().Name}: {ex.Message}"; // its bug, not the loader's
        }
    }
}
