namespace Testbed.Defenses.Session;

/// <summary>
/// <see cref="SessionOptions"/> resolved against the pipeline the layer is built into: what this endpoint offers
/// (as initiator) and supports (as responder), and what every session it takes part in must include.
/// </summary>
internal sealed record SessionPolicy(SessionOptions Options, ProtectionSet Offer, ProtectionSet Require)
{
    /// <summary>The layers that apply session keys, and so can be negotiated.</summary>
    public static IReadOnlyList<string> KnownProtections { get; } = ["encrypt", "mac"];

    /// <summary>
    /// Resolves <paramref name="options"/> for a pipeline of <paramref name="pipelineNames"/>: a missing offer means the
    /// protection layers present, a missing requirement means the offer. Throws <see cref="ArgumentException"/> when the offer names a
    /// defense the pipeline lacks or the requirement is not part of the offer.
    /// </summary>
    public static SessionPolicy Resolve(SessionOptions options, IReadOnlyList<string> pipelineNames)
    {
        var present = ProtectionSet.Of(KnownProtections.Where(pipelineNames.Contains));
        var offer = options.Offer is null ? present : ProtectionSet.Of(options.Offer);
        var require = options.Require is null ? offer : ProtectionSet.Of(options.Require);
        foreach (var name in offer.Where(n => !pipelineNames.Contains(n)))
        {
            throw new ArgumentException($"session: option 'offer' names '{name}', which is not a defense of this pipeline ({string.Join(", ", pipelineNames)})");
        }

        if (!offer.IsSupersetOf(require))
        {
            throw new ArgumentException($"session: option 'require' {require} must be part of the offer {offer}");
        }

        return new SessionPolicy(options, offer, require);
    }
}
