using Testbed.Attacks.Builtin;
using Testbed.Attacks.Scripting;
using Testbed.Scenarios;

namespace Testbed.Attacks.Api;

/// <summary>
/// The attacks a scenario's <c>attacks:</c> list can name: kind → factory. <see cref="Builtin"/> holds the built-in
/// attacks; <see cref="With"/> adds a researcher's own (an <see cref="Attack"/> on the public API). A silo's adversary
/// grains create their attacks from the catalog the silo was given (<c>AddTestbedAdversaries</c>); the scenario loader
/// checks options against the same catalog. Immutable.
/// </summary>
public sealed class AttackCatalog
{
    private readonly Dictionary<string, Func<Attack>> _factories;

    private AttackCatalog(Dictionary<string, Func<Attack>> factories)
    {
        _factories = factories;
        Kinds = factories.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The built-in attacks.</summary>
    public static AttackCatalog Builtin { get; } = new(new(StringComparer.Ordinal)
    {
        ["downgrade"] = () => new Downgrade(),
        ["eavesdrop"] = () => new Eavesdrop(),
        ["flood"] = () => new Flood(),
        ["handshake-replay"] = () => new HandshakeReplay(),
        ["key-compromise"] = () => new KeyCompromise(),
        ["lockout"] = () => new Lockout(),
        ["privilege-abuse"] = () => new PrivilegeAbuse(),
        ["replay"] = () => new Replay(),
        ["reply-swap"] = () => new ReplySwap(),
        ["spoof"] = () => new Spoof(),
        ["tamper"] = () => new Tamper(),
        ["withhold"] = () => new Withhold(),
    });

    /// <summary>Every attack kind, in name order.</summary>
    public IReadOnlyList<string> Kinds { get; }

    /// <summary>This catalog plus attack <paramref name="kind"/>, made by <paramref name="factory"/> (a new instance per call).</summary>
    public AttackCatalog With(string kind, Func<Attack> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(factory);
        return _factories.ContainsKey(kind)
            ? throw new ArgumentException($"attack kind '{kind}' is already in the catalog", nameof(kind))
            : new AttackCatalog(new(_factories, StringComparer.Ordinal) { [kind] = factory });
    }

    /// <summary>Creates and configures the attack <paramref name="kind"/>; <see cref="ArgumentException"/> for a bad option.</summary>
    public (Attack Attack, AttackOptions Options) Create(string kind, IReadOnlyDictionary<string, string> options) => Create(kind, options, null);

    /// <summary>Describes the attack <paramref name="kind"/> (a new instance, <see cref="KindDescription.Describe(Attack)"/>); <see cref="ArgumentException"/> for an unknown kind.</summary>
    public KindDescription Describe(string kind) => _factories.TryGetValue(kind, out var factory)
        ? KindDescription.Describe(factory())
        : throw new ArgumentException($"unknown attack kind '{kind}'; known: {string.Join(", ", Kinds)}");

    /// <summary>
    /// As <see cref="Create(string, IReadOnlyDictionary{string, string})"/>, or from <paramref name="script"/> when it is
    /// given (compiled once per process, <see cref="ScriptCompiler"/>): the attack its class declares, which must be
    /// <paramref name="kind"/> and no built-in kind.
    /// </summary>
    public (Attack Attack, AttackOptions Options) Create(string kind, IReadOnlyDictionary<string, string> options, ScriptSource? script)
    {
        Func<Attack> factory;
        if (script is not null)
        {
            factory = ScriptCompiler.Compile(script).NewAttack;
            if (_factories.ContainsKey(kind))
            {
                throw new ArgumentException($"{script.Path} declares attack kind '{kind}', which is a built-in attack");
            }
        }
        else if (!_factories.TryGetValue(kind, out factory!))
        {
            throw new ArgumentException($"unknown attack kind '{kind}'; known: {string.Join(", ", Kinds)}");
        }

        var attack = factory();
        if (attack.Info.Kind != kind)
        {
            // Results are matched to the scenario by Info.Kind: a kind registered under another name would never be judged.
            throw new ArgumentException($"attack kind '{kind}' is registered for a class that declares kind '{attack.Info.Kind}'");
        }

        var parsed = new AttackOptions(options);
        attack.Configure(parsed);
        parsed.RejectUnread();
        return (attack, parsed);
    }

    /// <summary>Checks an attack entry's options (of its script's class when <paramref name="script"/> is given); returns an error message or null.</summary>
    public string? Check(string kind, IReadOnlyDictionary<string, string> options, ScriptSource? script = null)
    {
        try
        {
            Create(kind, options, script);
            return null;
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
