using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Defenses.Session;

/// <summary>
/// The <c>session</c> defense: an authenticated ephemeral key exchange per pair of principals (signed ECDH, forward
/// secret), negotiating which protections (encrypt, mac) the session applies. Sealing a request to a peer without a
/// usable session first runs a handshake directly over the wire; data envelopes then carry the session id in key id
/// segment <c>s</c> and a per-direction sequence number, and <see cref="MessageContext.Session"/> is the
/// <see cref="SessionState"/> the protection layers take their keys from. The session layer itself does not
/// authenticate data messages; encrypt or mac do.
/// </summary>
/// <remarks>
/// Rejections: <c>unknown-session</c>, <c>wrong-session</c>, <c>unprotected-reply</c>, <c>session-expired</c>, <c>revoked-session</c>, <c>bad-handshake</c>,
/// <c>stale-handshake</c>, <c>replayed-handshake</c>, <c>untrusted-peer</c>, <c>bad-transcript</c>, <c>downgrade</c>.
/// Seal failures (<see cref="DefenseException.Reason"/>): <c>handshake-refused</c>, <c>handshake-lost</c>,
/// <c>bad-handshake</c>, <c>untrusted-peer</c>, <c>bad-transcript</c>, <c>downgrade</c>, <c>no-session</c>.
/// </remarks>
public sealed class SessionLayer : IDefenseLayer, IAcceptanceCheck
{
    /// <summary>The defense name.</summary>
    public const string LayerName = "session";

    private const int MaxHandshakesPerSend = 64;

    private readonly SessionPolicy _policy;
    private readonly SessionHandshake _handshake;
    private readonly SessionLifetime _lifetime;
    private readonly TimeProvider _time;

    /// <summary>
    /// Creates the layer for one silo. <paramref name="pipelineNames"/> are the defenses of the pipeline it belongs to,
    /// which the default offer derives from. Throws <see cref="ArgumentException"/> for an offer the pipeline cannot honour.
    /// </summary>
    public SessionLayer(SessionOptions? options, DefenseEnvironment environment, IReadOnlyList<string> pipelineNames)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(pipelineNames);
        _policy = SessionPolicy.Resolve(options ?? new SessionOptions(), pipelineNames);
        _handshake = new SessionHandshake(_policy, environment);
        _lifetime = new SessionLifetime(_policy.Options, environment);
        _time = environment.Time;
    }

    /// <inheritdoc />
    public string Name => LayerName;

    /// <inheritdoc />
    public DefenseStage Stage => DefenseStage.Channel;

    /// <summary>What this endpoint offers as initiator and supports as responder.</summary>
    public ProtectionSet Offer => _policy.Offer;

    /// <summary>What every session this endpoint takes part in must include.</summary>
    public ProtectionSet Require => _policy.Require;

    /// <inheritdoc />
    public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context)
    {
        if (envelope.Kind is EnvelopeKind.Handshake or EnvelopeKind.HandshakeReply)
        {
            return ValueTask.FromResult(envelope);
        }

        if (context.Direction == WireDirection.Reply)
        {
            return context.Session is SessionState { IsInitiator: false, IsRetired: false } session && session.Peer == context.Peer
                ? ValueTask.FromResult(Stamp(envelope, context, session))
                : throw new DefenseException(LayerName, "no-session", $"the reply to {context.Peer} has no live session to go back on");
        }

        var sessions = SessionTable.Of(context.Endpoint).Peer(context.Peer);
        var current = sessions.Current;
        return current is not null && _lifetime.IsUsable(current, context.Endpoint.Principal, checkAge: true)
            ? ValueTask.FromResult(Stamp(envelope, context, current))
            : SealAfterHandshakeAsync(envelope, context, sessions);
    }

    /// <inheritdoc />
    public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context)
    {
        switch (envelope.Kind)
        {
            case EnvelopeKind.Handshake:
                return _handshake.RespondAsync(envelope, context);
            case EnvelopeKind.HandshakeReply:
                return ValueTask.FromResult(OpenResult.Reject("bad-handshake"));
        }

        var reason = SessionTable.Find(envelope, context, out var session)
            ?? (session!.IsInitiator ? null : _lifetime.RefuseRequest(session));
        if (reason is not null)
        {
            return ValueTask.FromResult(OpenResult.Reject(reason));
        }

        context.Session = session;
        return ValueTask.FromResult(OpenResult.Continue(envelope));
    }

    private async ValueTask<Envelope> SealAfterHandshakeAsync(Envelope envelope, MessageContext context, SessionTable.PeerSessions sessions)
    {
        // Every send that finds no usable session waits for the one handshake in flight with the peer. After it, a
        // session is used if it still has messages left (its age is not checked again, so a short rekeyAfter cannot
        // starve a sender); each handshake serves at least the first sender that resumes, so this terminates.
        for (var attempt = 0; attempt < MaxHandshakesPerSend; attempt++)
        {
            var pending = sessions.Pending;
            if (pending is null)
            {
                pending = HandshakeAsync(context.Endpoint, context.Peer, sessions);
                if (!pending.IsCompleted)
                {
                    sessions.Pending = pending;
                }
            }

            await pending;
            if (sessions.Current is { } current && _lifetime.IsUsable(current, context.Endpoint.Principal, checkAge: false))
            {
                return Stamp(envelope, context, current);
            }
        }

        throw new DefenseException(LayerName, "no-session", $"sessions with {context.Peer} were used up faster than a message could be sealed");
    }

    private async Task<SessionState> HandshakeAsync(DefenseEndpoint endpoint, string peer, SessionTable.PeerSessions sessions)
    {
        try
        {
            return await _handshake.InitiateAsync(endpoint, peer, sessions);
        }
        finally
        {
            sessions.Pending = null;
        }
    }

    /// <summary>
    /// Counts a request every layer accepted on a session this endpoint accepted (what <c>rekeyAfterMessages</c> bounds),
    /// and confirms that session if it was waiting: the request was authenticated under its keys (or the session applies
    /// no protection that could prove anything), so its initiator holds them — a replayed hello's session never gets here.
    /// </summary>
    public string? OnAccepted(Envelope envelope, MessageContext context)
    {
        if (context.Session is SessionState { IsInitiator: false } session)
        {
            if (!session.IsConfirmed && (context.Authenticated || !SessionPolicy.KnownProtections.Any(session.Chosen.Contains)))
            {
                SessionTable.Of(context.Endpoint).Peer(session.Peer).Confirm(session);
            }

            session.CountReceived();
        }

        return null;
    }

    // Re-stamps the time too: a send may have waited for a handshake, and the receiver's freshness check (window mode's
    // max age) should measure the message's time on the wire, not the wait.
    private Envelope Stamp(Envelope envelope, MessageContext context, SessionState session)
    {
        context.Session = session;
        return envelope with
        {
            KeyId = envelope.KeyId.Length == 0 ? session.KeySegment : KeyIdSegments.With(envelope.KeyId, SessionTable.Segment, session.IdText),
            Sequence = session.NextSequence(),
            TimestampMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
    }
}
