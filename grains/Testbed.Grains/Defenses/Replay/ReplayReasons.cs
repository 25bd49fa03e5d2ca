namespace Testbed.Defenses.Replay;

/// <summary>The rejection reasons of the replay defense (a stable contract: results count them).</summary>
public static class ReplayReasons
{
    /// <summary>The message (sequence number in its session, or sender's nonce) was already accepted.</summary>
    public const string Duplicate = "replay-duplicate";

    /// <summary>Window mode: the sequence number is further behind the highest seen than the window reaches.</summary>
    public const string TooOld = "replay-too-old";

    /// <summary>Window mode: sequence number 0 (senders start at 1).</summary>
    public const string BadSequence = "bad-sequence";

    /// <summary>Window mode: the key id has no (or more than one) session segment "s".</summary>
    public const string NoSession = "no-session";

    /// <summary>The timestamp is older than window (timestamp mode) or max age (window mode) + tolerance.</summary>
    public const string Stale = "replay-stale";

    /// <summary>The timestamp is further ahead than window (timestamp mode) or max age (window mode) + tolerance.</summary>
    public const string Future = "replay-future";

    /// <summary>Timestamp mode: the nonce cache is full of live entries (fails closed).</summary>
    public const string CacheFull = "replay-cache-full";

    /// <summary>
    /// Timestamp mode: the sender (authenticated, else the wire source) already holds its quota of live nonces in the
    /// recipient's cache (fails closed for that sender only).
    /// </summary>
    public const string Quota = "replay-quota";

    /// <summary>Timestamp mode: the key id has no valid nonce segment "n" (16 hex digits).</summary>
    public const string MissingNonce = "missing-nonce";

    /// <summary>
    /// Timestamp mode: stamped at or below the replay horizon a previous activation of the receiver persisted, so it may
    /// have been accepted before (after a deactivation, restart or crash; a retry sealed afresh passes).
    /// </summary>
    public const string BeforeHorizon = "replay-before-horizon";

    /// <summary>Timestamp mode: the replay horizon could not be read or made durable (fails closed).</summary>
    public const string HorizonUnavailable = "replay-horizon-unavailable";
}
