using System.Collections.Concurrent;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hooks;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// In the path of session handshakes: strips a protection (default <c>encrypt</c>) from the offered and required sets
/// of each hello it sees (<see cref="SessionHellos"/>, docs/session-handshake.md — a Dolev-Yao attacker knows the protocol; it cannot re-sign,
/// so the initiator's signature is kept). Succeeds when, after a stripped hello, that initiator's data reaches that
/// responder in clear: a session weaker than the peers' minimum. CAPEC-620 (Drop Encryption Level), ATT&amp;CK T1562.010.
/// </summary>
public sealed class Downgrade : Attack
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _clearSeen = new(StringComparer.Ordinal);
    private string _strip = "encrypt";
    private int _count;
    private int _done;

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("downgrade", "CAPEC-620", "T1562.010", AdversaryCapabilities.Observe | AdversaryCapabilities.Intercept,
        "strips protections from session offers in flight");

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        _strip = options.Choice("strip", "encrypt", "encrypt", "mac");
        _count = options.Integer("count", 50, 1, 100_000);
    }

    /// <inheritdoc />
    public override InterceptDecision OnIntercepted(WireMessage message, AdversaryContext context)
    {
        if (message is not { Direction: WireDirection.Request, Envelope: { Kind: EnvelopeKind.Handshake } e }
            || SessionHellos.WithoutProtection(e.Payload.Span, _strip) is not { } stripped || Interlocked.Increment(ref _done) > _count)
        {
            return InterceptDecision.Pass;
        }

        var attempt = context.Record($"strip {_strip} from {e.Sender}'s offer to {e.Recipient}", e.Sender, e.Recipient, e.Kind);
        attempt.Key = $"{e.Sender}>{e.Recipient}";
        return InterceptDecision.Replace(e with { Payload = stripped });
    }

    /// <inheritdoc />
    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is { Direction: WireDirection.Request, Injected: false, Envelope: { } e }
            && e.Kind is EnvelopeKind.Order or EnvelopeKind.Debit or EnvelopeKind.Credit or EnvelopeKind.BalanceQuery
            && Readable.IsClearJson(e.Payload.Span))
        {
            _clearSeen.TryAdd($"{e.Sender}>{e.Recipient}", context.Time.GetUtcNow());
        }
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        foreach (var attempt in judgement.Attempts)
        {
            attempt.Succeeded = attempt.Key is not null && _clearSeen.TryGetValue(attempt.Key, out var seen) && seen >= attempt.At;
        }

        judgement.Details["weakSessions"] = judgement.Attempts.Where(a => a.Succeeded).Select(a => a.Key).Distinct().Count();
    }
}
