namespace Testbed.Defenses.Session;

/// <summary>
/// When a session may no longer carry requests, judged by each endpoint on use. The initiator stops sealing on it once
/// it is <see cref="SessionOptions.RekeyAfter"/> old or <see cref="SessionOptions.RekeyAfterMessages"/> requests went out
/// on it, and starts a new one. The responder does not rely on that: it refuses requests on a session that is
/// <see cref="SessionOptions.RekeyAfter"/> + <see cref="SessionOptions.RekeyGrace"/> old by its own clock, or on which it
/// already accepted <see cref="SessionOptions.RekeyAfterMessages"/> requests (<see cref="Expired"/>), so a session made
/// with a stolen key — or a peer that never rekeys — cannot outlive the policy. The refusal reaches the initiator as an
/// unprotected rejection, which renews the session (see <see cref="SessionTable.Find"/>).
/// </summary>
internal sealed class SessionLifetime(SessionOptions options, TimeProvider time)
{
    /// <summary>The rejection reason of a request on a session that is too old or has carried too many requests.</summary>
    public const string Expired = "session-expired";

    /// <summary>Why the responder refuses a new request on <paramref name="session"/> (one it accepted), or null.</summary>
    public string? RefuseRequest(SessionState session)
    {
        if (session.EndReason is { } ended)
        {
            return ended;
        }

        if (session.MessagesReceived >= options.RekeyAfterMessages || time.GetUtcNow() - session.Created >= options.RekeyAfter + options.RekeyGrace)
        {
            session.End(Expired);
            return Expired;
        }

        return null;
    }

    /// <summary>
    /// True while the initiator may seal a new request on <paramref name="session"/>: live, not ended or marked for
    /// renewal, with messages left, and (when <paramref name="checkAge"/>) younger than <see cref="SessionOptions.RekeyAfter"/>.
    /// </summary>
    public bool IsUsable(SessionState session, bool checkAge) =>
        !session.IsRetired
        && session.EndReason is null
        && !session.NeedsRenewal
        && session.MessagesSent < options.RekeyAfterMessages
        && (!checkAge || time.GetUtcNow() - session.Created < options.RekeyAfter);
}
