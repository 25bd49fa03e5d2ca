// The tutorial's attack (docs/writing-attacks.md): a replay that waits until the replay defense should have forgotten.
//
// It records the orders customers send to payments and re-sends each one byte for byte `delay` after it was first
// seen. A replay defense keeps what it has seen only for a while (a timestamp window plus a clock-skew tolerance, or a
// sequence window): a replay sent just past that horizon is refused only if the freshness check and the memory end
// together. Success is measured, not assumed: an order whose debit the accounts applied more than once.
using System.Globalization;
using Testbed.Services.Payments;

public sealed class LateReplay : Attack
{
    private readonly ConcurrentQueue<(DateTimeOffset Due, ObservedEnvelope Frame)> _recorded = new();
    private TimeSpan _delay;
    private int _count, _queued;

    public override AttackInfo Info { get; } = new("late-replay", "CAPEC-60", "T1557", AdversaryCapabilities.Observe | AdversaryCapabilities.Inject,
        "re-sends recorded orders byte for byte just past the replay window");

    public override void Configure(AttackOptions options)
    {
        _delay = options.Duration("delay", TimeSpan.FromMilliseconds(3500)); // signed: 1 s window + 2 s tolerance, and half a second
        _count = options.Integer("count", 20, 1, 10_000);
    }

    // A wire thread: record and return at once.
    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is { Direction: WireDirection.Request, Injected: false, Envelope: { Kind: EnvelopeKind.Order } e }
            && e.Recipient.StartsWith("payments/", StringComparison.Ordinal) && Interlocked.Increment(ref _queued) <= _count)
        {
            _recorded.Enqueue((context.Time.GetUtcNow() + _delay, envelope));
        }
    }

    // The attack's own task while the window is open: inject each recording when it falls due.
    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        while (!windowClosed.IsCancellationRequested)
        {
            while (_recorded.TryPeek(out var next) && next.Due <= context.Time.GetUtcNow() && _recorded.TryDequeue(out next))
            {
                var e = next.Frame.Envelope!;
                var (attempt, _) = await context.InjectFrameAsync(e.Recipient, next.Frame.Frame,
                    $"late replay ({_delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s) of {e.Sender}'s order", e.Sender, e.Kind);
                // Readable only where nothing encrypts the payload; the judge copes without it.
                attempt.Key = PaymentsJson.TryDecode<OrderMessage>(e.Payload, out var order) ? order.OrderId : null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), context.Time, windowClosed);
        }
    }

    // Ground truth: the accounts' own ledgers. An order id debited twice is a replay that took effect.
    public override void Judge(AttackJudgement judgement)
    {
        var twice = judgement.FinalState.SelectMany(a => a.Applied).Where(x => x.Direction == Testbed.Checking.EntryDirection.Debit)
            .GroupBy(x => x.OrderId).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var unattributed = twice.Count - judgement.Attempts.Count(a => a.Key is { } key && twice.Contains(key));
        foreach (var attempt in judgement.Attempts)
        {
            // An attempt whose order id is unknown (encrypted) takes one of the double debits no known attempt explains.
            attempt.Succeeded = attempt.Key is { } key ? twice.Contains(key) : unattributed-- > 0;
        }

        judgement.Details["ordersDebitedTwice"] = twice.Count;
    }
}
