using Testbed.Envelopes;

namespace Testbed.Attacks.Api;

/// <summary>How one attack attempt ended (mutually exclusive, judged in this order of precedence).</summary>
public enum AttemptOutcome
{
    /// <summary>It had the effect the attack wanted (measured: by the checker, or by recovered secrets).</summary>
    Succeeded,
    /// <summary>No effect, and a defense recorded a matching security event.</summary>
    Detected,
    /// <summary>No effect and no event, but it was refused (a rejection or an error came back).</summary>
    Blocked,
    /// <summary>No effect, no event, nothing refused: the system swallowed it.</summary>
    Absorbed,
}

/// <summary>
/// One thing an adversary did that could have an effect: an injection, a modification, a recovered secret. The runtime
/// matches security events to it (same recipient, claimed sender and kind, at or after its time).
/// </summary>
public sealed class Attempt
{
    internal Attempt(int id, DateTimeOffset at, string action, string claimedSender, string recipient, EnvelopeKind kind, bool passive)
    {
        Passive = passive;
        Id = id;
        At = at;
        Action = action;
        ClaimedSender = claimedSender;
        Recipient = recipient;
        Kind = kind;
    }

    /// <summary>True for an observation (sniffing): nothing was sent, so no security event can be about it.</summary>
    public bool Passive { get; }

    /// <summary>Sequence number within the attack.</summary>
    public int Id { get; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset At { get; }

    /// <summary>What was done, e.g. "replay debit to account/3".</summary>
    public string Action { get; }

    /// <summary>The sender the envelope claimed.</summary>
    public string ClaimedSender { get; }

    /// <summary>Where it went.</summary>
    public string Recipient { get; }

    /// <summary>The envelope kind.</summary>
    public EnvelopeKind Kind { get; }

    /// <summary>Set by the attack (or its judge) when the attempt had its effect.</summary>
    public bool Succeeded { get; set; }

    /// <summary>Set when a rejection or error came back to the adversary.</summary>
    public string? Refusal { get; set; }

    /// <summary>Attack-specific key tying the attempt to its effect (e.g. the order id it replays).</summary>
    public string? Key { get; set; }

    /// <summary>When a matching security event was recorded (set by the runtime).</summary>
    public DateTimeOffset? DetectedAt { get; internal set; }

    /// <summary>The outcome by precedence: succeeded, detected, blocked, absorbed.</summary>
    public AttemptOutcome Outcome => Succeeded ? AttemptOutcome.Succeeded
        : DetectedAt is not null ? AttemptOutcome.Detected
        : Refusal is not null ? AttemptOutcome.Blocked
        : AttemptOutcome.Absorbed;
}

/// <summary>The attempts of one attack, thread-safe.</summary>
public sealed class AttemptLog
{
    private readonly Lock _gate = new();
    private readonly List<Attempt> _attempts = [];

    /// <summary>Records an attempt.</summary>
    public Attempt Record(DateTimeOffset at, string action, string claimedSender, string recipient, EnvelopeKind kind, bool passive = false)
    {
        lock (_gate)
        {
            var attempt = new Attempt(_attempts.Count + 1, at, action, claimedSender, recipient, kind, passive);
            _attempts.Add(attempt);
            return attempt;
        }
    }

    /// <summary>All attempts so far, in order.</summary>
    public IReadOnlyList<Attempt> All
    {
        get
        {
            lock (_gate)
            {
                return _attempts.ToArray();
            }
        }
    }
}
