using System.Collections.Concurrent;
using Testbed.Attacks.Api;
using Testbed.Envelopes;
using Testbed.Services.Payments;
using Testbed.Wire;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// In the path: takes requests of one kind to one service off the wire (the sender sees them lost) and delivers each,
/// byte for byte, <c>hold</c> later — a delay no duplicate check notices, since the original never arrived. Succeeds
/// when the recipient accepts a request more than <c>hold</c> after it was sealed (its reply is not a refusal).
/// </summary>
public sealed class Withhold : Attack
{
    private readonly ConcurrentQueue<(DateTimeOffset Due, WireMessage Message, Envelope Request)> _held = new();
    private string _target = "account/";
    private EnvelopeKind _kind;
    private TimeSpan _hold;
    private int _count;
    private int _taken;

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("withhold", "CAPEC-94", "T1557", AdversaryCapabilities.Intercept | AdversaryCapabilities.Inject,
        "drops requests in flight and delivers them much later");

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        _target = options.Choice("target", "account", "account", "payments") + "/";
        _kind = options.Choice("envelope", "debit", "debit", "credit", "order") switch { "credit" => EnvelopeKind.Credit, "order" => EnvelopeKind.Order, _ => EnvelopeKind.Debit };
        _hold = options.Duration("hold", TimeSpan.FromSeconds(4));
        _count = options.Integer("count", 10, 1, 100_000);
    }

    /// <inheritdoc />
    public override InterceptDecision OnIntercepted(WireMessage message, AdversaryContext context)
    {
        if (message is not { Direction: WireDirection.Request, Envelope: { } e } || e.Kind != _kind
            || !e.Recipient.StartsWith(_target, StringComparison.Ordinal) || Interlocked.Increment(ref _taken) > _count)
        {
            return InterceptDecision.Pass;
        }

        _held.Enqueue((context.Time.GetUtcNow() + _hold, message, e));
        return InterceptDecision.Drop;
    }

    /// <inheritdoc />
    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        while (!windowClosed.IsCancellationRequested)
        {
            while (_held.TryPeek(out var next) && next.Due <= context.Time.GetUtcNow() && _held.TryDequeue(out next))
            {
                var e = next.Request;
                var (attempt, result) = await context.InjectFrameAsync(e.Recipient, next.Message.Frame, $"deliver {e.Kind} {e.Sender} → {e.Recipient} {_hold.TotalMilliseconds:0} ms late", e.Sender, e.Kind);
                attempt.Key = PaymentsJson.TryDecode<LedgerRequest>(e.Payload, out var ledger) ? ledger.OrderId : null;
                var age = context.Time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(e.TimestampMs);
                attempt.Succeeded = !result.Refused && age >= _hold;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), context.Time, windowClosed);
        }
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement) =>
        judgement.Details["acceptedLate"] = judgement.Attempts.Count(a => a.Succeeded);
}
