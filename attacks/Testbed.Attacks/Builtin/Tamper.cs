using System.Collections.Concurrent;
using Testbed.Attacks.Api;
using Testbed.Envelopes;
using Testbed.Services.Payments;
using Testbed.Wire;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// In the path: changes the amount (or the recipient account) of customers' orders in flight. Where the payload is
/// readable it rewrites the order; where it is not (encrypted) it can only flip a payload bit blindly. Succeeds when an
/// altered transfer is applied — an applied debit that differs from what the customer ordered.
/// </summary>
public sealed class Tamper : Attack
{
    private readonly ConcurrentDictionary<string, byte> _altered = new(StringComparer.Ordinal);
    private string _field = "amount";
    private double _probability;
    private int _count;
    private int _done;

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("tamper", "CAPEC-384", "T1557", AdversaryCapabilities.Intercept,
        "changes the amount or recipient of orders in flight");

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        _field = options.Choice("field", "amount", "amount", "recipient");
        _probability = options.Number("probability", 1.0, 0, 1);
        _count = options.Integer("count", 1000, 1, 1_000_000);
    }

    /// <inheritdoc />
    public override InterceptDecision OnIntercepted(WireMessage message, AdversaryContext context)
    {
        if (message is not { Direction: WireDirection.Request, Envelope: { Kind: EnvelopeKind.Order } e }
            || context.Random.NextDouble() >= _probability || Interlocked.Increment(ref _done) > _count)
        {
            return InterceptDecision.Pass;
        }

        var attempt = context.Record($"tamper {_field} of {e.Sender}'s order", e.Sender, e.Recipient, e.Kind);
        if (!PaymentsJson.TryDecode<OrderMessage>(e.Payload, out var order))
        {
            var frame = message.Frame.ToArray();
            var payloadEnd = EnvelopeCodec.GetHeaderLength(e);
            frame[payloadEnd - 1 - context.Random.Next(Math.Max(1, e.Payload.Length))] ^= (byte)(1 << context.Random.Next(8));
            return InterceptDecision.ReplaceFrame(frame);
        }

        var changed = _field == "amount"
            ? order with { Amount = order.Amount * 10 + 1 }
            : order with { To = order.To == "account/0" ? "account/1" : "account/0" };
        attempt.Key = order.OrderId;
        _altered[order.OrderId] = 1;
        return InterceptDecision.Replace(e with { Payload = PaymentsJson.Encode(changed) });
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        var ordered = judgement.History.Where(o => o is { Type: History.OpType.Invoke, Transfer: not null })
            .GroupBy(o => o.Transfer!.OrderId).ToDictionary(g => g.Key, g => g.First().Transfer!);
        var tamperedApplied = judgement.FinalState.SelectMany(a => a.Applied)
            .Where(e => e.Direction == Checking.EntryDirection.Debit && ordered.TryGetValue(e.OrderId, out var o) && (o.Amount != e.Amount || o.To != e.Counterparty))
            .Select(e => e.OrderId).ToHashSet(StringComparer.Ordinal);
        foreach (var attempt in judgement.Attempts)
        {
            attempt.Succeeded = attempt.Key is not null && tamperedApplied.Remove(attempt.Key);
        }

        foreach (var attempt in judgement.Attempts.Where(a => a.Key is null && !a.Succeeded).Take(tamperedApplied.Count))
        {
            attempt.Succeeded = true;
        }

        judgement.Details["alteredTransfersApplied"] = judgement.Attempts.Count(a => a.Succeeded);
    }
}
