using System.Collections.Concurrent;
using Testbed.Attacks.Api;
using Testbed.Envelopes;
using Testbed.Services.Payments;
using Testbed.Wire;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// In the path between a payment shard and an account: withholds one ledger reply (the requester sees it lost and
/// retries) and delivers it later in place of the reply to another request on the same (account, shard) pair. Where the
/// reply is readable it withholds an "applied" answer and swaps it in for a "declined" one, rewriting the order id and
/// the in-reply-to field to match; where it is not, it swaps blindly. Succeeds when the swapped-in answer was acted on:
/// the checker finds that order half-applied (a credit without its debit creates money; a debit without its credit
/// destroys it).
/// </summary>
public sealed class ReplySwap : Attack
{
    private readonly ConcurrentDictionary<(string Account, string Shard), byte[]> _held = new();
    private readonly ConcurrentDictionary<(string Shard, ulong Sequence), string> _orders = new();
    private EnvelopeKind _kind;
    private int _count;
    private int _swapped;

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("reply-swap", "CAPEC-94", "T1557", AdversaryCapabilities.Intercept,
        "withholds a reply and delivers it as the answer to a later request on the same pair");

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        _kind = options.Choice("envelope", "debit", "debit", "credit") == "credit" ? EnvelopeKind.CreditReply : EnvelopeKind.DebitReply;
        _count = options.Integer("count", 40, 1, 100_000);
    }

    /// <inheritdoc />
    public override InterceptDecision OnIntercepted(WireMessage message, AdversaryContext context)
    {
        if (message is { Direction: WireDirection.Request, Envelope: { } request } && request.Kind == (_kind == EnvelopeKind.DebitReply ? EnvelopeKind.Debit : EnvelopeKind.Credit))
        {
            // Remember which order each readable request carries, to key the attempt on the reply that answers it.
            if (PaymentsJson.TryDecode<LedgerRequest>(request.Payload, out var ledger))
            {
                _orders[(request.Sender, request.Sequence)] = ledger.OrderId;
            }

            return InterceptDecision.Pass;
        }

        if (message is not { Direction: WireDirection.Reply, Envelope: { } reply } || reply.Kind != _kind)
        {
            return InterceptDecision.Pass;
        }

        // Whatever happens to this reply, its request is answered: forget it (the map holds only requests in flight).
        _orders.TryRemove((reply.Recipient, reply.InReplyTo), out var order);
        if (Volatile.Read(ref _swapped) >= _count)
        {
            return InterceptDecision.Pass;
        }

        var pair = (reply.Sender, reply.Recipient);
        var readable = PaymentsJson.TryDecode<LedgerResult>(reply.Payload, out var result);
        if (!_held.TryGetValue(pair, out var held))
        {
            // Withhold an answer worth reusing: an applied one where it can be read, any one where it cannot.
            return (!readable || result.Applied) && _held.TryAdd(pair, message.Frame) ? InterceptDecision.Drop : InterceptDecision.Pass;
        }

        if ((readable && result.Applied) || !_held.TryRemove(pair, out held) || Interlocked.Increment(ref _swapped) > _count)
        {
            return InterceptDecision.Pass;
        }

        var attempt = context.Record($"swap a withheld {_kind} into the answer to {reply.Recipient}'s request {reply.InReplyTo}", reply.Sender, reply.Recipient, reply.Kind);
        attempt.Key = order;
        return EnvelopeCodec.TryDecode(held, out var old, out _) && PaymentsJson.TryDecode<LedgerResult>(old.Payload, out var oldResult) && old.Tag.IsEmpty
            ? InterceptDecision.Replace(old with { InReplyTo = reply.InReplyTo, Payload = PaymentsJson.Encode(Retarget(oldResult, result)) })
            : InterceptDecision.ReplaceFrame(held);
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        // Orders half-applied: one leg in the accounts' records without the other.
        var legs = judgement.FinalState.SelectMany(a => a.Applied).GroupBy(e => e.OrderId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Debit: g.Any(e => e.Direction == Checking.EntryDirection.Debit), Credit: g.Any(e => e.Direction == Checking.EntryDirection.Credit)));
        var broken = legs.Where(kv => kv.Value.Debit != kv.Value.Credit).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        var created = legs.Count(kv => kv.Value is { Credit: true, Debit: false });
        foreach (var attempt in judgement.Attempts)
        {
            attempt.Succeeded = attempt.Key is not null && broken.Remove(attempt.Key);
        }

        foreach (var attempt in judgement.Attempts.Where(a => a is { Key: null, Succeeded: false }).Take(broken.Count))
        {
            attempt.Succeeded = true;
        }

        judgement.Details["halfAppliedOrders"] = legs.Count(kv => kv.Value.Debit != kv.Value.Credit);
        judgement.Details["creditsWithoutDebit"] = created;
    }

    // The withheld answer, made to name the order of the request it replaces (readable replies only).
    private static LedgerResult Retarget(LedgerResult withheld, LedgerResult? replaced) =>
        replaced is null ? withheld : withheld with { OrderId = replaced.OrderId, Balance = replaced.Balance };
}
