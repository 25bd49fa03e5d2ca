using System.Collections.Concurrent;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hooks;
using Testbed.Envelopes;
using Testbed.Services.Payments;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// Is handed a customer's long-term key at <c>at</c> (Tamarin's Reveal). (a) Past traffic: of what it recorded before,
/// how much can it now read? With session keys from ephemeral key exchange (forward secrecy) the long-term key opens
/// nothing; what was sent in clear was readable all along. (b) Impersonation: forges that customer's signed orders
/// (credentials sniffed, else guessed) every <c>interval</c>; the defender revokes the key <c>revokeAfter</c> later,
/// and the forgeries keep working until verifiers learn it — the window is reported. CAPEC-560, ATT&amp;CK T1552.004.
/// </summary>
public sealed class KeyCompromise : Attack
{
    private readonly ConcurrentDictionary<string, string> _credentials = new(StringComparer.Ordinal);
    private string _victim = "customer/1";
    private TimeSpan _at, _revokeAfter, _interval;
    private int _count, _recordedBefore, _readableBefore;
    private DateTimeOffset? _compromisedAt, _revokedAt;

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("key-compromise", "CAPEC-560", "T1552.004",
        AdversaryCapabilities.Observe | AdversaryCapabilities.Inject | AdversaryCapabilities.Compromise, "is handed a customer's long-term key, then reads and impersonates");

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        _victim = $"customer/{options.Integer("victim", 1, 0, 1_000_000)}";
        (_at, _revokeAfter, _interval) = (options.Duration("at", TimeSpan.FromMilliseconds(300)), options.Duration("revokeAfter", TimeSpan.FromMilliseconds(500)), options.Duration("interval", TimeSpan.FromMilliseconds(20)));
        _count = options.Integer("count", 60, 1, 100_000);
    }

    /// <inheritdoc />
    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is not { Injected: false, Envelope: { } e } || (e.Sender != _victim && e.Recipient != _victim) || _compromisedAt is not null)
        {
            return;
        }

        Interlocked.Increment(ref _recordedBefore);
        if (!Readable.IsClearJson(e.Payload.Span))
        {
            return;
        }

        Interlocked.Increment(ref _readableBefore); // in clear before the compromise: readable with or without the key
        if (e.Kind == EnvelopeKind.Order && PaymentsJson.TryDecode<OrderMessage>(e.Payload, out var order))
        {
            (_credentials["card"], _credentials["pin"]) = (order.CardNumber, order.Pin);
        }
    }

    /// <inheritdoc />
    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        await Task.Delay(_at, context.Time, windowClosed);
        var key = await context.CompromiseAsync(_victim);
        _compromisedAt = context.Time.GetUtcNow();
        if (key is null)
        {
            return;
        }

        _ = Task.Delay(_revokeAfter, context.Time, windowClosed).ContinueWith(async _ => { await context.RevokeAsync(_victim); _revokedAt = context.Time.GetUtcNow(); }, TaskScheduler.Default);
        var index = Wire.PrincipalAddress.IndexOf(_victim);
        for (var n = 0; n < _count && !windowClosed.IsCancellationRequested; n++)
        {
            var order = new OrderMessage($"compromise-{n}", $"account/{index}", index == 0 ? "account/1" : "account/0", 7,
                _credentials.GetValueOrDefault("card", "4000000000000002"), _credentials.GetValueOrDefault("pin", "0000"), "");
            var forged = context.Forge(EnvelopeKind.Order, _victim, $"payments/{index % 2}", (ulong)n + 1, PaymentsJson.Encode(order)).SignedWith(key);
            var (attempt, _) = await context.InjectAsync(forged, $"order as {_victim} signed with its stolen key");
            attempt.Key = order.OrderId;
            await Task.Delay(_interval, context.Time, windowClosed);
        }
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        judgement.SucceedWhereOrderApplied();
        var d = judgement.Details;
        (d["recordedBefore"], d["readableBefore"]) = (_recordedBefore, _readableBefore);
        if (_revokedAt is { } revoked && judgement.Attempts.Count > 0)
        {
            d["revokedAtMs"] = (revoked - judgement.Attempts[0].At).TotalMilliseconds;
            var lastAccepted = judgement.Attempts.Where(a => a.Succeeded).Select(a => a.At).DefaultIfEmpty().Max();
            d["impersonationAfterRevocationMs"] = Math.Max(0, (lastAccepted - revoked).TotalMilliseconds);
        }
    }
}
