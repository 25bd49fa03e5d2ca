using Testbed.Attacks.Faults;

namespace Testbed.Attacks.Api;

/// <summary>
/// What a scenario may say about one attack or fault kind: its description, for an attack its CAPEC and ATT&amp;CK ids and
/// capabilities, and the options it reads with their defaults and ranges. Made from an instance
/// (<see cref="Describe(Attack)"/>, <see cref="Describe(Fault)"/>) configured with no options — the same
/// <c>Configure</c> the loader calls — so the description cannot drift from what loads. A kind that reads some options
/// only under another option's value (e.g. a mode) is described on its default path; so are capabilities that depend on
/// an option (e.g. flood's payload).
/// </summary>
/// <param name="Kind">The scenario kind.</param>
/// <param name="Description">One line.</param>
/// <param name="Capec">The CAPEC pattern (attacks; null for faults).</param>
/// <param name="Mitre">The MITRE ATT&amp;CK technique, or null.</param>
/// <param name="Capabilities">The adversary's capabilities (attacks; null for faults).</param>
/// <param name="Options">The options read with no options given, in the order read.</param>
/// <param name="Requires">
/// Why the kind refused to be configured with no options (what an entry must give, e.g. a partition's sides), or null.
/// Options read before that refusal are listed; later ones are not.
/// </param>
public sealed record KindDescription(
    string Kind,
    string Description,
    string? Capec,
    string? Mitre,
    AdversaryCapabilities? Capabilities,
    IReadOnlyList<OptionDescription> Options,
    string? Requires)
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Describes <paramref name="attack"/>, a new instance (it is configured with no options).</summary>
    public static KindDescription Describe(Attack attack)
    {
        ArgumentNullException.ThrowIfNull(attack);
        var (options, requires) = Configure(attack.Configure);
        var info = attack.Info;
        return new KindDescription(info.Kind, info.Description, info.Capec, info.Mitre, info.Capabilities, options, requires);
    }

    /// <summary>Describes <paramref name="fault"/>, a new instance (it is configured with no options).</summary>
    public static KindDescription Describe(Fault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var (options, requires) = Configure(fault.Configure);
        return new KindDescription(fault.Kind, fault.Description, null, null, null, options, requires);
    }

    /// <summary>The capabilities' names in flag order, lower case (<c>observe</c>, <c>inject</c>, …); empty for none or null.</summary>
    public IReadOnlyList<string> CapabilityNames =>
        Capabilities is { } capabilities
            ? Enum.GetValues<AdversaryCapabilities>().Where(c => c != AdversaryCapabilities.None && capabilities.HasFlag(c))
                .Select(c => c.ToString().ToLowerInvariant()).ToArray()
            : [];

    private static (IReadOnlyList<OptionDescription> Options, string? Requires) Configure(Action<AttackOptions> configure)
    {
        var options = new AttackOptions(None);
        try
        {
            configure(options);
            return (options.Described, null);
        }
        catch (ArgumentException ex)
        {
            return (options.Described, ex.Message);
        }
    }
}
