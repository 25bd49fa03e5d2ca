using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hooks;
using Testbed.Defenses;
using Testbed.Envelopes;
using Testbed.Services.Payments;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// Forges orders claiming to be a customer, to its payment shard, moving money from the victim's account to one the attacker
/// chose; <c>unsigned</c> (no tag) or <c>own-key</c> (signed with a key it made, under a made-up key version). Card and PIN
/// come from orders it saw in clear, else it guesses. Succeeds when a forged transfer is applied (a debit with its order id).
/// </summary>
/// <remarks>ATT&amp;CK T1078 (Valid Accounts): the forgery can only succeed by acting with the victim's own credentials,
/// sniffed off the wire. T1656 (Impersonation) is social engineering of people, T1565.002 alters existing traffic (tamper).</remarks>
public sealed class Spoof : Attack
{
    private readonly ConcurrentDictionary<int, Victim> _victims = new();
    private string _mode = "unsigned", _run = "";
    private int _count, _victim, _shards;
    private TimeSpan _interval;

    private sealed record Victim(string Shard, OrderMessage? Credentials);

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("spoof", "CAPEC-151", "T1078", AdversaryCapabilities.Observe | AdversaryCapabilities.Inject,
        "forges customers' transfer orders to an account the attacker chose");

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        _mode = options.Choice("mode", "unsigned", "unsigned", "own-key");
        _count = options.Integer("count", 20, 1, 100_000);
        _interval = options.Duration("interval", TimeSpan.FromMilliseconds(50));
        _victim = options.Integer("victim", -1, 0, 1_000_000);
        _shards = options.Integer("shards", 2, 1, 1024);
    }

    /// <inheritdoc />
    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is not { Direction: Wire.WireDirection.Request, Injected: false, Envelope: { Kind: EnvelopeKind.Order } e }
            || !e.Sender.StartsWith("customer/", StringComparison.Ordinal) || !int.TryParse(e.Sender.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out var i))
        {
            return;
        }

        var readable = PaymentsJson.TryDecode<OrderMessage>(e.Payload, out var order) ? order : null;
        _victims.AddOrUpdate(i, new Victim(e.Recipient, readable), (_, old) => new Victim(e.Recipient, readable ?? old.Credentials));
        if (readable is not null)
        {
            context.Knowledge.Learn($"credentials:{e.Sender}", context.Time.GetUtcNow());
        }
    }

    /// <inheritdoc />
    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        _run = context.Random.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture); // two spoof attacks in one run never share an order id
        using var ownKey = _mode == "own-key" ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
        for (var n = 0; n < _count && !windowClosed.IsCancellationRequested; n++)
        {
            var i = _victim >= 0 ? _victim : _victims.Keys.Order().ElementAtOrDefault(n % Math.Max(1, _victims.Count)); // none seen yet: customer/0
            _victims.TryGetValue(i, out var known);
            var credentials = known?.Credentials ?? new OrderMessage("", $"account/{i}", "", 0, $"{context.Random.NextInt64(1_000_000_000_000_000, 10_000_000_000_000_000)}", $"{context.Random.Next(10_000):D4}", "");
            var order = credentials with { OrderId = $"spoof-{_run}-{n + 1}", To = i == 0 ? "account/1" : "account/0", Amount = 10, Memo = "" };
            var forged = new Envelope
            {
                Kind = EnvelopeKind.Order, Sender = $"customer/{i}", Recipient = known?.Shard ?? PaymentsOptions.Payments(i % _shards),
                Sequence = (ulong)n + 1, TimestampMs = context.Time.GetUtcNow().ToUnixTimeMilliseconds(), Payload = PaymentsJson.Encode(order),
                KeyId = ownKey is null ? "" : KeyIdSegments.With("", "k", "1"), // version 1: every principal's first key, as seen on the wire
            };
            forged = ownKey is null ? forged : forged with { Tag = ownKey.SignData(EnvelopeCodec.EncodeHeader(forged), HashAlgorithmName.SHA256) };
            var (attempt, result) = await context.InjectAsync(forged, $"spoof {order.OrderId} as {forged.Sender} ({(known?.Credentials is null ? "guessed" : "sniffed")} credentials)");
            attempt.Key = order.OrderId;
            attempt.Refusal = result.Reply is { Kind: EnvelopeKind.OrderReply } reply && PaymentsJson.TryDecode<OrderResult>(reply.Payload, out var decided)
                && decided.Status == OrderStatus.Declined ? $"declined: {decided.Reason}" : attempt.Refusal; // e.g. a guessed card or PIN

            await Task.Delay(_interval, context.Time, windowClosed);
        }
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        judgement.Details["forgedTransfersApplied"] = judgement.SucceedWhereOrderApplied();
        judgement.Details["credentialsLearned"] = judgement.Knowledge.Facts.Keys.Count(k => k.StartsWith("credentials:", StringComparison.Ordinal));
    }
}
