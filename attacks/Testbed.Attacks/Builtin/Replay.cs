using System.Collections.Concurrent;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hooks;
using Testbed.Envelopes;
using Testbed.Services.Payments;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// Records requests of one kind to one service and re-sends them byte for byte, after a delay. Succeeds when the
/// checker finds the replayed order applied more than once.
/// </summary>
public sealed class Replay : Attack
{
    private readonly ConcurrentQueue<(DateTimeOffset Due, ObservedEnvelope Frame)> _pending = new();
    private string _target = "account/";
    private EnvelopeKind _kind;
    private TimeSpan _delay;
    private int _count;
    private int _queued;

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("replay", "CAPEC-60", null, AdversaryCapabilities.Observe | AdversaryCapabilities.Inject,
        "re-sends recorded requests byte for byte");

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        _target = options.Choice("target", "account", "account", "payments") + "/";
        _kind = options.Choice("envelope", "debit", "debit", "credit", "order") switch { "credit" => EnvelopeKind.Credit, "order" => EnvelopeKind.Order, _ => EnvelopeKind.Debit };
        _delay = options.Duration("delay", TimeSpan.Zero);
        _count = options.Integer("count", 20, 1, 100_000);
    }

    /// <inheritdoc />
    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is { Direction: Wire.WireDirection.Request, Injected: false, Envelope: { } e } && e.Kind == _kind
            && e.Recipient.StartsWith(_target, StringComparison.Ordinal) && Interlocked.Increment(ref _queued) <= _count)
        {
            _pending.Enqueue((context.Time.GetUtcNow() + _delay, envelope));
        }
    }

    /// <inheritdoc />
    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        while (!windowClosed.IsCancellationRequested)
        {
            while (_pending.TryPeek(out var next) && next.Due <= context.Time.GetUtcNow() && _pending.TryDequeue(out next))
            {
                var e = next.Frame.Envelope!;
                var (attempt, _) = await context.InjectFrameAsync(e.Recipient, next.Frame.Frame, $"replay {e.Kind} {e.Sender} → {e.Recipient}", e.Sender, e.Kind);
                attempt.Key = PaymentsJson.TryDecode<LedgerRequest>(e.Payload, out var ledger) ? ledger.OrderId : null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), context.Time, windowClosed);
        }
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        // Extra applications per order id, from the accounts' own records.
        var direction = _kind == EnvelopeKind.Credit ? Checking.EntryDirection.Credit : Checking.EntryDirection.Debit;
        var extra = judgement.FinalState.SelectMany(a => a.Applied).Where(e => e.Direction == direction)
            .GroupBy(e => e.OrderId).Where(g => g.Count() > 1).ToDictionary(g => g.Key, g => g.Count() - 1);
        foreach (var attempt in judgement.Attempts.Where(a => a.Key is not null))
        {
            if (extra.TryGetValue(attempt.Key!, out var left) && left > 0)
            {
                attempt.Succeeded = true;
                extra[attempt.Key!] = left - 1;
            }
        }

        // Replays the adversary could not read (encrypted) take what is left, in time order.
        var unattributed = extra.Values.Sum();
        foreach (var attempt in judgement.Attempts.Where(a => a.Key is null).Take(unattributed))
        {
            attempt.Succeeded = true;
        }

        judgement.Details["extraApplications"] = judgement.FinalState.SelectMany(a => a.Applied).Where(e => e.Direction == direction)
            .GroupBy(e => e.OrderId).Sum(g => g.Count() - 1);
    }
}
