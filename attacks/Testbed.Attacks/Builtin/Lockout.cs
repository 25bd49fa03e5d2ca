using System.Collections.Concurrent;
using System.Text;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hooks;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// Inducing account lockout (CAPEC-2; MITRE T1531 Account Access Removal): turns a defense that punishes a misbehaving
/// sender against the victim. Watches whom <c>victim</c> (a payment shard or a customer) sends requests to and injects
/// junk envelopes claiming the victim to the <c>peers</c> it contacts most, in bursts of at most <c>burst</c> frames at
/// <c>rate</c> per second (waves of at most <c>maxInFlight</c>). A burst ends once a refusal says the victim is blocked
/// (rejections travel in clear); then one probe every <c>probe</c> tells when the block is over, and a new burst renews it.
/// Verdict, for every attempt alike: succeeded when the victim's goodput ratio (ok transfers of the customers it serves,
/// inside the window ÷ outside it; customer i is served by shard i mod <c>shards</c>) falls below
/// <c>goodputThreshold</c> × the same ratio of every other customer — service lost by the victim alone, not a general
/// slowdown (that is the flood attack's verdict).
/// </summary>
public sealed class Lockout : Attack
{
    private readonly ConcurrentDictionary<string, (int Count, EnvelopeKind Kind)> _peers = new(StringComparer.Ordinal);
    private string _victim = "payments/0";
    private int _peerCount, _burst, _maxInFlight, _shards, _bursts, _blocksSeen;
    private long _sent;
    private double _rate, _threshold, _firstBlockMs = -1;
    private TimeSpan _probe;
    private byte[] _junk = [];

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("lockout", "CAPEC-2", "T1531", AdversaryCapabilities.Observe | AdversaryCapabilities.Inject,
        "floods junk claiming a victim's identity so that identity-keyed containment locks the victim out");

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        _victim = options.Text("victim", "payments/0");
        if (PrincipalAddress.IndexOf(_victim) < 0 || !_victim.StartsWith("payments/", StringComparison.Ordinal) && !_victim.StartsWith("customer/", StringComparison.Ordinal))
        {
            throw new ArgumentException($"option 'victim' must be a payment shard or a customer such as payments/0 or customer/3, found '{_victim}'");
        }

        (_peerCount, _rate, _burst) = (options.Integer("peers", 1, 1, 1000), options.Number("rate", 2000, 1, 1_000_000), options.Integer("burst", 2000, 1, 1_000_000));
        (_maxInFlight, _probe) = (options.Integer("maxInFlight", 256, 1, 100_000), options.Duration("probe", TimeSpan.FromMilliseconds(100)));
        (_shards, _threshold) = (options.Integer("shards", 2, 1, 64), options.Number("goodputThreshold", 0.5, 0, 1));
    }

    /// <inheritdoc />
    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is { Direction: WireDirection.Request, Injected: false, Envelope: { Kind: not EnvelopeKind.Handshake } e } && e.Sender == _victim)
        {
            _peers.AddOrUpdate(e.Recipient, (1, e.Kind), (_, p) => (p.Count + 1, e.Kind));
        }
    }

    /// <inheritdoc />
    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        _junk = context.RandomBytes(64);
        while (!windowClosed.IsCancellationRequested)
        {
            // A snapshot first: OrderBy on the live dictionary sizes its buffer by Count and then copies, which throws when a peer is added in between.
            var targets = _peers.ToArray().OrderByDescending(p => p.Value.Count).ThenBy(p => p.Key, StringComparer.Ordinal).Take(_peerCount).Select(p => (p.Key, p.Value.Kind)).ToArray();
            if (targets.Length > 0 && await BurstAsync(context, targets, windowClosed))
            {
                (_blocksSeen, _firstBlockMs) = (_blocksSeen + 1, _firstBlockMs >= 0 ? _firstBlockMs : (context.Time.GetUtcNow() - context.OpenedAt!.Value).TotalMilliseconds);
                do
                {
                    await Task.Delay(_probe, context.Time, windowClosed); // locked out: probe until the block ends
                }
                while (await InjectAsync(context, targets[0]));
            }
            else
            {
                await Task.Delay(targets.Length > 0 ? _probe : TimeSpan.FromMilliseconds(5), context.Time, windowClosed);
            }
        }
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        var shard = _victim.StartsWith("payments/", StringComparison.Ordinal) ? PrincipalAddress.IndexOf(_victim) : -1;
        bool Served(string customer) => customer == _victim || (shard >= 0 && PrincipalAddress.IndexOf(customer) % _shards == shard);
        WindowImpact Of(bool victim) => WindowImpact.Measure(judgement with { History = judgement.History.Where(o => o.Transfer is { } t && Served(t.OrderedBy) == victim).ToArray() });
        static double Ratio(WindowImpact w) => w.GoodputOutside > 0 ? w.GoodputInside / w.GoodputOutside : 0;
        var (victim, others) = (Of(true), Of(false));
        var succeeded = victim.InsideSeconds > 0 && victim.GoodputOutside > 0 && Ratio(victim) < _threshold * Ratio(others);
        foreach (var attempt in judgement.Attempts) { attempt.Succeeded = succeeded; }
        var d = judgement.Details;
        (d["victimGoodputOutside"], d["victimGoodputInside"], d["victimRatio"], d["othersRatio"]) = (victim.GoodputOutside, victim.GoodputInside, Ratio(victim), Ratio(others));
        (d["injected"], d["bursts"], d["blocksSeen"], d["firstBlockMs"]) = (Interlocked.Read(ref _sent), _bursts, _blocksSeen, _firstBlockMs);
    }

    /// <summary>Up to <c>burst</c> frames round-robin over <paramref name="targets"/>, in 5 ms waves; true once a refusal says the victim is blocked.</summary>
    private async Task<bool> BurstAsync(AdversaryContext context, (string To, EnvelopeKind Kind)[] targets, CancellationToken windowClosed)
    {
        var (started, sent) = (context.Time.GetTimestamp(), 0);
        for (_bursts++; sent < _burst; await Task.Delay(TimeSpan.FromMilliseconds(5), context.Time, windowClosed))
        {
            var due = Math.Min(Math.Min(_burst, sent + _maxInFlight), (int)(context.Time.GetElapsedTime(started).TotalSeconds * _rate) + 1);
            var wave = Enumerable.Range(sent, due - sent).Select(i => InjectAsync(context, targets[i % targets.Length])).ToArray();
            sent = due;
            if ((await Task.WhenAll(wave)).Any(blocked => blocked))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One junk envelope claiming the victim; true when its refusal says the victim is blocked.</summary>
    private async Task<bool> InjectAsync(AdversaryContext context, (string To, EnvelopeKind Kind) target)
    {
        var forged = context.Forge(target.Kind, _victim, target.To, (ulong)Interlocked.Increment(ref _sent), _junk) with { Tag = _junk };
        var (_, result) = await context.InjectAsync(forged, $"lockout {target.Kind} as {_victim} → {target.To}");
        return result.Reply is { Kind: EnvelopeKind.Rejected } reply && Encoding.UTF8.GetString(reply.Payload.Span).Contains("sender-blocked", StringComparison.Ordinal);
    }
}
