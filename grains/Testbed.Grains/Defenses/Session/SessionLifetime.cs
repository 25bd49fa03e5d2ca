using Testbed.Defenses.Identity;

namespace Testbed.Defenses.Session;

/// <summary>
/// When a session may no longer carry requests, judged by each endpoint on use.
/// <para>Age and count: the initiator stops sealing on a session once it is <see cref="SessionOptions.RekeyAfter"/> old
/// or <see cref="SessionOptions.RekeyAfterMessages"/> requests went out on it, and starts a new one. The responder does
/// not rely on that: it refuses requests on a session that is <see cref="SessionOptions.RekeyAfter"/> +
/// <see cref="SessionOptions.RekeyGrace"/> old by its own clock, or on which it already accepted
/// <see cref="SessionOptions.RekeyAfterMessages"/> requests (<see cref="Expired"/>).</para>
/// <para>Keys: a session ends with the long-term keys that made it. Once this silo's trust store has learned that the
/// peer's key version of the handshake is revoked or rotated out, the responder refuses requests on it
/// (<see cref="Revoked"/>) and the initiator seals no more requests on it (replies to requests already sent still open:
/// refusing them would undo nothing the request did). The check costs one read of the store's
/// revocation epoch per message and a dictionary lookup only when the epoch moved — no scan of the sessions when a
/// revocation arrives. The initiator also renews a session signed with a key of its own that was replaced or revoked
/// since, so the principal whose key was revoked moves to its new key at once rather than being refused.</para>
/// <para>Refusals reach the initiator as unprotected rejections, which renew the session (<see cref="SessionTable.Find"/>).</para>
/// </summary>
internal sealed class SessionLifetime(SessionOptions options, DefenseEnvironment environment)
{
    /// <summary>The rejection reason of a request on a session that is too old or has carried too many requests.</summary>
    public const string Expired = "session-expired";

    /// <summary>The rejection reason of a message on a session whose peer's handshake key has been revoked since.</summary>
    public const string Revoked = "revoked-session";

    private readonly IRevocationView? _revocations = environment.Trust as IRevocationView;

    /// <summary>Why the responder refuses a new request on <paramref name="session"/> (one it accepted), or null.</summary>
    public string? RefuseRequest(SessionState session)
    {
        if (session.EndReason is { } ended)
        {
            return ended;
        }

        if (KeysRevoked(session))
        {
            return Revoked;
        }

        if (session.MessagesReceived >= options.RekeyAfterMessages || environment.Time.GetUtcNow() - session.Created >= options.RekeyAfter + options.RekeyGrace)
        {
            session.End(Expired);
            return Expired;
        }

        return null;
    }

    /// <summary>
    /// True while the initiator (<paramref name="me"/>) may seal a new request on <paramref name="session"/>: live, not
    /// ended or marked for renewal, made with keys still valid, with messages left, and (when <paramref name="checkAge"/>)
    /// younger than <see cref="SessionOptions.RekeyAfter"/>.
    /// </summary>
    public bool IsUsable(SessionState session, string me, bool checkAge) =>
        !session.IsRetired
        && session.EndReason is null
        && !session.NeedsRenewal
        && session.MessagesSent < options.RekeyAfterMessages
        && (!checkAge || environment.Time.GetUtcNow() - session.Created < options.RekeyAfter)
        && !KeysRevoked(session, me)
        && !OwnKeyReplaced(session, me);

    /// <summary>
    /// True once the trust store knows a handshake key of <paramref name="session"/> revoked: the peer's (the session is
    /// ended) or, for an initiator <paramref name="me"/>, its own (the session is marked for renewal). Looks only when the
    /// store's revocation epoch moved since the last look.
    /// </summary>
    private bool KeysRevoked(SessionState session, string? me = null)
    {
        if (_revocations is null)
        {
            return false;
        }

        var epoch = _revocations.Epoch;
        if (epoch == session.TrustEpoch)
        {
            return false;
        }

        if (_revocations.IsRevoked(session.Peer, session.PeerKeyVersion))
        {
            session.End(Revoked);
            return true;
        }

        if (me is not null && _revocations.IsRevoked(me, session.OwnKeyVersion))
        {
            session.NeedsRenewal = true;
            return true;
        }

        session.TrustEpoch = epoch;
        return false;
    }

    /// <summary>
    /// True (and the session marked for renewal) when <paramref name="me"/> now signs with another key version than the
    /// one that made the session: its key store rotated it, which a revocation reaches the trust store only later.
    /// </summary>
    private bool OwnKeyReplaced(SessionState session, string me)
    {
        var current = environment.Keys.GetSigningKeyAsync(me);
        if (!current.IsCompletedSuccessfully)
        {
            _ = current.AsTask(); // being made or fetched: the handshake that renews the session waits for it, this check does not
            return false;
        }

        if (current.Result.Version == session.OwnKeyVersion)
        {
            return false;
        }

        session.NeedsRenewal = true;
        return true;
    }
}
