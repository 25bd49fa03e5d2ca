using System.Diagnostics;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hooks;
using Testbed.Envelopes;
using Testbed.History;
using Testbed.Services.Payments;
using Testbed.Wire;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// Flooding (CAPEC-125; MITRE T1499 Endpoint DoS: requests that exhaust a service's processing — T1498 is about network
/// bandwidth, and this traffic never leaves the process). Injects <c>rate</c> envelopes/s into the in-process wire to
/// <c>target</c>/0..<c>principals</c>-1 round-robin, at most <c>maxInFlight</c> outstanding (a send due while full is
/// dropped and counted). <c>payload</c>: junk = a well-formed header (admission sees a claimed sender; all-random bytes die
/// in the codec before any defense) with random payload and tag; valid = an Order (BalanceQuery to accounts) with junk
/// credentials; replayed = observed requests to the target, byte for byte, with their own senders. <c>sources</c>: one =
/// customer/0, many = customer/n, new per envelope. Verdict, for every attempt alike: succeeded when goodput (ok
/// completions/s) in the window &lt; <c>goodputThreshold</c> × outside it (before and after it: "goodputBefore"), or the
/// p99 latency of operations invoked in it &gt; <c>p99Factor</c> × that of those invoked outside it.
/// </summary>
public sealed class Flood : Attack
{
    private readonly List<ObservedEnvelope> _seen = [];
    private string _target = "payments", _payload = "junk";
    private bool _many;
    private double _rate, _threshold, _p99Factor;
    private int _principals, _maxInFlight, _inFlight;
    private long _opened, _closed, _injected, _dropped;
    private TimeSpan _cpu;

    /// <inheritdoc />
    public override AttackInfo Info => new("flood", "CAPEC-125", "T1499", AdversaryCapabilities.Inject | (_payload == "replayed" ? AdversaryCapabilities.Observe : 0),
        "floods a service with injected envelopes; judged by legitimate goodput and p99 latency");

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        (_target, _rate) = (options.Choice("target", "payments", "payments", "account"), options.Number("rate", 2000, 1, 1_000_000));
        (_payload, _many) = (options.Choice("payload", "junk", "junk", "valid", "replayed"), options.Choice("sources", "one", "one", "many") == "many");
        (_maxInFlight, _principals) = (options.Integer("maxInFlight", 256, 1, 100_000), options.Integer("principals", 2, 1, 100_000));
        (_threshold, _p99Factor) = (options.Number("goodputThreshold", 0.5, 0, 1), options.Number("p99Factor", 3, 1, 1000));
    }

    /// <inheritdoc />
    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is { Direction: WireDirection.Request, Injected: false, Envelope: { Kind: not EnvelopeKind.Handshake } e }
            && e.Recipient.StartsWith(_target + "/", StringComparison.Ordinal))
        {
            lock (_seen) { if (_seen.Count < 1024) { _seen.Add(envelope); } }
        }
    }

    /// <inheritdoc />
    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        (_opened, _cpu) = (Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime);
        for (long due = 0; !windowClosed.IsCancellationRequested;)
        {
            for (var target = (long)(Stopwatch.GetElapsedTime(_opened).TotalSeconds * _rate); due < target; due++)
            {
                if (Volatile.Read(ref _inFlight) >= _maxInFlight) { _dropped++; }
                else if (Next(context, due) is { } m) { Interlocked.Increment(ref _inFlight); _injected++; _ = SendAsync(context, m.To, m.Frame, m.Sender, m.Kind); }
            }

            try { await Task.Delay(TimeSpan.FromMilliseconds(5), context.Time, windowClosed); } catch (OperationCanceledException) { break; }
        }

        (_closed, _cpu) = (Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime - _cpu);
        for (var i = 0; i < 400 && Volatile.Read(ref _inFlight) > 0; i++) { await Task.Delay(5, CancellationToken.None); } // replies set refusals
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        // A warm-up phase (bench) runs first on its own clock: leave it out; the window is placed on the measured workload's clock.
        var warm = judgement.History.LastOrDefault(o => o.Transfer?.OrderId.StartsWith("w-", StringComparison.Ordinal) == true);
        var ops = judgement.History.Where(o => o.Index > (warm?.Index ?? -1)).ToArray();
        var end = ops.Length == 0 ? 0 : ops.Max(o => o.TimeMicros);
        var opened = judgement.WindowOpenedAt;
        var (start, stop) = opened is { } at ? (judgement.HistoryMicros(at), Math.Min(judgement.WindowClosedAt is { } to ? judgement.HistoryMicros(to) : end, end)) : (end, end);
        var (inSec, outSec) = (Math.Max(0, stop - start) / 1e6, (end - Math.Max(0, stop - start)) / 1e6);
        bool Inside(double micros) => opened is not null && micros >= start && micros <= stop;
        var (okIn, okOut, latencies, invoked) = (0, 0, new List<(bool In, double Ms)>(), new Dictionary<int, Queue<long>>());
        foreach (var o in ops) // completions pair with their process's oldest open invocation
        {
            if (o.Type == OpType.Invoke) { (invoked.TryGetValue(o.Process, out var q) ? q : invoked[o.Process] = new()).Enqueue(o.TimeMicros); }
            else if (invoked.TryGetValue(o.Process, out var q) && q.TryDequeue(out var t)) { latencies.Add((Inside(t), (o.TimeMicros - t) / 1000.0)); }
            if (o.Type == OpType.Ok && Inside(o.TimeMicros)) { okIn++; } else if (o.Type == OpType.Ok) { okOut++; }
        }

        var (before, during) = (outSec > 0 ? okOut / outSec : 0, inSec > 0 ? okIn / inSec : 0);
        var (p99Before, p99During) = (P99(latencies, false), P99(latencies, true));
        var succeeded = inSec > 0 && before > 0 && (during < _threshold * before || (p99Before > 0 && p99During > _p99Factor * p99Before));
        foreach (var attempt in judgement.Attempts) { attempt.Succeeded = succeeded; }
        var d = judgement.Details;
        (d["goodputBefore"], d["goodputDuring"], d["ratio"]) = (before, during, before > 0 ? during / before : 0);
        (d["p99BeforeMs"], d["p99DuringMs"]) = (p99Before, p99During);
        (d["injected"], d["droppedSends"], d["windowStartMs"], d["windowStopMs"]) = (_injected, _dropped, start / 1000, stop / 1000);
        if (_injected > 0 && _closed != 0)
        {
            // An upper bound: the whole process's CPU in the window (legitimate work and the adversary's own included) per
            // injected envelope. Subtracting a pre-window rate is not honest here: that period carries JIT and handshakes.
            d["cpuMicrosPerInjected"] = _cpu.Ticks / 10.0 / _injected;
        }
    }

    private (string To, byte[] Frame, string Sender, EnvelopeKind Kind)? Next(AdversaryContext c, long n)
    {
        if (_payload == "replayed")
        {
            lock (_seen)
            {
                return _seen.Count > 0 && _seen[(int)(n % _seen.Count)] is { Envelope: { } e } s ? (e.Recipient, s.Frame, e.Sender, e.Kind) : null;
            }
        }

        var (who, to) = (_many ? (int)(n % int.MaxValue) : 0, $"{_target}/{n % _principals}");
        var kind = _target == "payments" ? EnvelopeKind.Order : EnvelopeKind.BalanceQuery;
        var (junk, tag) = (new byte[64], _payload == "junk" ? new byte[64] : []);
        c.Random.NextBytes(junk);
        c.Random.NextBytes(tag);
        var secret = c.Random.NextInt64(1_000_000_000_000_000, 10_000_000_000_000_000).ToString("D16"); // junk card number; PIN and password from it
        var payload = _payload == "junk" ? junk : kind == EnvelopeKind.Order
            ? PaymentsJson.Encode(new OrderMessage($"f-{n}", PaymentsOptions.Account(who), PaymentsOptions.Account(who + 1), 1, secret, secret[..4], ""))
            : PaymentsJson.Encode(new BalanceQueryMessage(to, secret));
        var sender = PaymentsOptions.Customer(who);
        var forged = new Envelope
        {
            Kind = kind, Sender = sender, Recipient = to, Sequence = (ulong)n + 1, TimestampMs = c.Time.GetUtcNow().ToUnixTimeMilliseconds(), Payload = payload, Tag = tag,
        };
        return (to, EnvelopeCodec.Encode(forged), sender, kind);
    }

    private async Task SendAsync(AdversaryContext c, string to, byte[] frame, string sender, EnvelopeKind kind)
    {
        try { await c.InjectFrameAsync(to, frame, $"flood {_payload} {kind} {sender} → {to}", sender, kind); }
        finally { Interlocked.Decrement(ref _inFlight); }
    }

    private static double P99(List<(bool In, double Ms)> latencies, bool inside)
    {
        var sorted = latencies.Where(l => l.In == inside).Select(l => l.Ms).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Max(0, (int)Math.Ceiling(sorted.Length * 0.99) - 1)];
    }
}
