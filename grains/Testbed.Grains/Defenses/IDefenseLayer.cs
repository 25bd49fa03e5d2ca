using Testbed.Envelopes;

namespace Testbed.Defenses;

/// <summary>
/// Where a layer sits in the channel pipeline. Inbound (open) runs the stages in this order: admission before any
/// crypto, then authenticity, channel, protection, freshness, authorization. Outbound (seal) runs channel, freshness,
/// protection, authenticity — so a signature covers everything the other layers put in the header and payload.
/// </summary>
public enum DefenseStage
{
    /// <summary>Cheap admission control before any crypto (ratelimit). Open only.</summary>
    Admission = 0,
    /// <summary>Per-message authenticity with long-term keys (sign).</summary>
    Authenticity = 1,
    /// <summary>Session establishment and lookup (session).</summary>
    Channel = 2,
    /// <summary>Per-message protection with session keys (encrypt, mac).</summary>
    Protection = 3,
    /// <summary>Replay protection (replay).</summary>
    Freshness = 4,
    /// <summary>Who may send what to whom (authz). Open only.</summary>
    Authorization = 5,
}

/// <summary>
/// One defense: a layer of the channel pipeline between a service and the wire. A layer instance is shared by every
/// principal on a silo; per-principal state lives in <see cref="DefenseEndpoint.State{T}"/>.
/// </summary>
public interface IDefenseLayer
{
    /// <summary>The name used in scenario files and security events (e.g. "encrypt").</summary>
    string Name { get; }

    /// <summary>Where the layer runs in the pipeline.</summary>
    DefenseStage Stage { get; }

    /// <summary>Outbound: transforms an envelope before it goes on the wire. Throws <see cref="DefenseException"/> when it cannot.</summary>
    ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context);

    /// <summary>Inbound: verifies and transforms an envelope that came off the wire, or rejects it (never throws for bad input).</summary>
    ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context);
}

/// <summary>
/// A layer that also decides once the whole inbound pipeline has accepted a request: every layer continued, so as far
/// as the stack can tell the request is authentic (<see cref="MessageContext.Authenticated"/> when an authenticating
/// layer ran), fresh and authorized. Forgeries and replays do not get this far, so what a layer counts per principal
/// here cannot be driven by an adversary without the principal's keys (the rate limiter's per-principal buckets and
/// blocks live here). A rejection here is a security event like any other, under the layer's name.
/// </summary>
public interface IAcceptanceCheck
{
    /// <summary>The reason to reject an accepted request (short, stable, kebab-case), or null to let it through; never throws for bad input.</summary>
    string? OnAccepted(Envelope envelope, MessageContext context);
}

/// <summary>What an inbound layer decided.</summary>
public enum OpenOutcome
{
    /// <summary>Pass the (possibly transformed) envelope to the next layer.</summary>
    Continue,
    /// <summary>Refuse it; the pipeline records a security event.</summary>
    Reject,
    /// <summary>The layer consumed the message and answers it itself (e.g. a handshake).</summary>
    Respond,
}

/// <summary>An inbound layer's verdict.</summary>
public readonly record struct OpenResult(OpenOutcome Outcome, Envelope? Envelope, string? Reason)
{
    /// <summary>Continue with <paramref name="envelope"/>.</summary>
    public static OpenResult Continue(Envelope envelope) => new(OpenOutcome.Continue, envelope, null);

    /// <summary>Reject for <paramref name="reason"/> (a short, stable, kebab-case reason such as "bad-signature").</summary>
    public static OpenResult Reject(string reason) => new(OpenOutcome.Reject, null, reason);

    /// <summary>Answer directly with <paramref name="reply"/>.</summary>
    public static OpenResult Respond(Envelope reply) => new(OpenOutcome.Respond, reply, null);
}

/// <summary>A layer could not seal an outgoing envelope (e.g. the peer refused the handshake).</summary>
public sealed class DefenseException(string layer, string reason, string message) : Exception(message)
{
    /// <summary>The layer that failed.</summary>
    public string Layer { get; } = layer;

    /// <summary>A short, stable reason.</summary>
    public string Reason { get; } = reason;
}
