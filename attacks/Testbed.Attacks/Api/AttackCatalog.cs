using Testbed.Attacks.Builtin;

namespace Testbed.Attacks.Api;

/// <summary>The attacks a scenario's <c>attacks:</c> list can name.</summary>
public static class AttackCatalog
{
    private static readonly Dictionary<string, Func<Attack>> Factories = new(StringComparer.Ordinal)
    {
        ["downgrade"] = () => new Downgrade(),
        ["eavesdrop"] = () => new Eavesdrop(),
        ["flood"] = () => new Flood(),
        ["key-compromise"] = () => new KeyCompromise(),
        ["replay"] = () => new Replay(),
        ["spoof"] = () => new Spoof(),
        ["tamper"] = () => new Tamper(),
    };

    /// <summary>Every attack kind.</summary>
    public static IReadOnlyList<string> Kinds => Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Creates and configures the attack <paramref name="kind"/>; <see cref="ArgumentException"/> for a bad option.</summary>
    public static (Attack Attack, AttackOptions Options) Create(string kind, IReadOnlyDictionary<string, string> options)
    {
        if (!Factories.TryGetValue(kind, out var factory))
        {
            throw new ArgumentException($"unknown attack kind '{kind}'; known: {string.Join(", ", Kinds)}");
        }

        var attack = factory();
        var parsed = new AttackOptions(options);
        attack.Configure(parsed);
        parsed.RejectUnread();
        return (attack, parsed);
    }

    /// <summary>Checks an attack entry's options; returns an error message or null.</summary>
    public static string? Check(string kind, IReadOnlyDictionary<string, string> options)
    {
        try
        {
            Create(kind, options);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }
}
