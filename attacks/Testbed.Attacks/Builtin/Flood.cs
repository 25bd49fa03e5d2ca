using System.Globalization;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hooks;
using Testbed.Defenses;
using Testbed.Defenses.Identity;
using Testbed.Envelopes;
using Testbed.Services.Payments;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// Flooding (CAPEC-125; MITRE T1499 Endpoint DoS: requests that exhaust a service's processing — T1498 is about network
/// bandwidth, and this traffic never leaves the process). Injects <c>rate</c> envelopes/s into the in-process wire to
/// <c>target</c>/0..<c>principals</c>-1 round-robin, at most <c>maxInFlight</c> outstanding (a send due while full is
/// dropped and counted). <c>payload</c>: junk = a well-formed header (admission sees a claimed sender; all-random bytes die
/// in the codec before any defense) with random payload and tag; valid = an Order (BalanceQuery to accounts) with junk
/// credentials; replayed = observed requests to the target, byte for byte, with their own senders; signed = valid ones
/// signed with customer/0's long-term key, handed over when the window opens (an authenticated flooder: a stolen key, as
/// <see cref="KeyCompromise"/>; each with a fresh nonce, so timestamp-mode replay defenses remember every one); hello =
/// session hellos (<see cref="SessionHellos.Forge"/>) claiming the sender's certified key version 1, with a real P-256
/// ephemeral, a fresh random and timestamp and 64 bytes of junk for a signature: a responder refuses one only after
/// verifying that signature (<c>bad-transcript</c>), so each costs it a public-key operation — unless admission refused
/// the frame first (its own matrix row, <c>flood (hello)</c>; with many sources mostly principals never certified, refused
/// <c>untrusted-peer</c> after a trust lookup each).
/// <c>sources</c>: one = customer/0, many = customer/n, new per envelope (signed: always one). <c>keyVersion</c>: random
/// puts a random signing key version (<c>k=</c>2..2^31-1, one no CA issued) in junk and valid envelopes' key ids, so
/// every one names a key a verifier has never seen. Verdict, for every attempt alike: succeeded when goodput (ok
/// completions/s) in the window &lt; <c>goodputThreshold</c> × outside it (before and after it: "goodputBefore"), or the
/// p99 latency of operations invoked in it &gt; <c>p99Factor</c> × that of those invoked outside it (<see cref="WindowImpact"/>),
/// or the median latency of those invoked in it &gt; <c>p50Factor</c> × the lower of the medians before and after it (most
/// operations waited: a backlog, which is what a saturated target builds in an open loop, where goodput follows the
/// arrival rate once the window closes; a stall or a burst refused within milliseconds moves only the tail),
/// or — with <c>maxCollateral</c> ≥ 0 — when more than that many security events from the window's opening to 1 s after it
/// closed name a sender the flood never claimed ("collateralRefusals": legitimate traffic the defenses refused because of
/// the flood, e.g. a nonce cache it filled).
/// </summary>
public sealed class Flood : Attack
{
    private readonly List<ObservedEnvelope> _seen = [];
    private string _target = "payments", _payload = "junk";
    private bool _many, _randomVersion;
    private ISigningKey? _key;
    private double _rate, _threshold, _p99Factor, _p50Factor;
    private int _principals, _maxInFlight, _maxCollateral;
    private InjectionPacer? _pacer;
    private byte[] _ephemeral = [];
    private TimeSpan? _cpu;

    /// <inheritdoc />
    public override AttackInfo Info => new("flood", "CAPEC-125", "T1499", AdversaryCapabilities.Inject
        | (_payload == "replayed" ? AdversaryCapabilities.Observe : 0) | (_payload == "signed" ? AdversaryCapabilities.Compromise : 0),
        "floods a service with injected envelopes; judged by legitimate goodput and latency");

    /// <inheritdoc />
    public override string? Variant => _payload == "hello" ? "hello" : null;

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        (_target, _rate) = (options.Choice("target", "payments", "payments", "account"), options.Number("rate", 2000, 1, 1_000_000));
        (_payload, _many) = (options.Choice("payload", "junk", "junk", "valid", "replayed", "signed", "hello"), options.Choice("sources", "one", "one", "many") == "many");
        _randomVersion = options.Choice("keyVersion", "none", "none", "random") == "random";
        _many &= _payload != "signed";
        (_maxInFlight, _principals) = (options.Integer("maxInFlight", 256, 1, 100_000), options.Integer("principals", 2, 1, 100_000));
        (_threshold, _p99Factor) = (options.Number("goodputThreshold", 0.5, 0, 1), options.Number("p99Factor", 3, 1, 1000));
        _p50Factor = options.Number("p50Factor", 10, 1, 1000);
        _maxCollateral = options.Integer("maxCollateral", -1, -1, int.MaxValue);
    }

    /// <inheritdoc />
    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is { Direction: Wire.WireDirection.Request, Injected: false, Envelope: { Kind: not EnvelopeKind.Handshake } e }
            && e.Recipient.StartsWith(_target + "/", StringComparison.Ordinal))
        {
            lock (_seen) { if (_seen.Count < 1024) { _seen.Add(envelope); } }
        }
    }

    /// <inheritdoc />
    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        while (_payload == "signed" && (_key = await context.CompromiseAsync(PaymentsOptions.Customer(0))) is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), context.Time, windowClosed); // it has not signed anything yet
        }

        _ephemeral = _payload == "hello" ? SessionHellos.P256Ephemeral() : [];
        var (pacer, cpu) = (_pacer = new InjectionPacer(context, _rate, _maxInFlight), Environment.CpuUsage.TotalTime);
        await pacer.RunAsync(n => Next(context, n), windowClosed);
        _cpu = Environment.CpuUsage.TotalTime - cpu;
        await pacer.DrainAsync(TimeSpan.FromSeconds(2)); // replies set refusals
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        var w = WindowImpact.Measure(judgement);
        var (before, during) = (w.GoodputOutside, w.GoodputInside);
        var collateral = Collateral(judgement);
        var succeeded = (w.InsideSeconds > 0 && before > 0 && (during < _threshold * before
                || (w.P99OutsideMs > 0 && w.P99InsideMs > _p99Factor * w.P99OutsideMs)
                || (w.P50BaselineMs > 0 && w.P50InsideMs > _p50Factor * w.P50BaselineMs)))
            || (_maxCollateral >= 0 && collateral > _maxCollateral);
        foreach (var attempt in judgement.Attempts) { attempt.Succeeded = succeeded; }
        var (d, injected) = (judgement.Details, _pacer?.Injected ?? 0);
        d["collateralRefusals"] = collateral;
        (d["goodputBefore"], d["goodputDuring"], d["ratio"]) = (before, during, before > 0 ? during / before : 0);
        (d["p99BeforeMs"], d["p99DuringMs"]) = (w.P99OutsideMs, w.P99InsideMs);
        (d["p50BeforeMs"], d["p50DuringMs"], d["p50AfterMs"], d["p50BaselineMs"]) = (w.P50BeforeMs, w.P50InsideMs, w.P50AfterMs, w.P50BaselineMs);
        (d["injected"], d["droppedSends"], d["windowStartMs"], d["windowStopMs"]) = (injected, _pacer?.Skipped ?? 0, w.StartMicros / 1000, w.StopMicros / 1000);
        if (injected > 0 && _cpu is { } cpu)
        {
            // An upper bound: the whole process's CPU in the window (legitimate work and the adversary's own included) per
            // injected envelope. Subtracting a pre-window rate is not honest here: that period carries JIT and handshakes.
            d["cpuMicrosPerInjected"] = cpu.Ticks / 10.0 / injected;
        }
    }

    private static int Collateral(AttackJudgement judgement)
    {
        if (judgement.WindowOpenedAt is not { } opened)
        {
            return 0;
        }

        var claimed = judgement.Attempts.Select(a => a.ClaimedSender).ToHashSet(StringComparer.Ordinal);
        var until = (judgement.WindowClosedAt ?? DateTimeOffset.MaxValue.AddSeconds(-1)).AddSeconds(1);
        return judgement.Events.Count(e => e.Time >= opened && e.Time <= until && !claimed.Contains(e.ClaimedSender));
    }

    private ForgedFrame? Next(AdversaryContext c, long n)
    {
        if (_payload == "replayed")
        {
            lock (_seen)
            {
                return _seen.Count > 0 && _seen[(int)(n % _seen.Count)] is { Envelope: { } e } s ? new(e.Recipient, s.Frame, e.Sender, e.Kind, $"flood replayed {e.Kind} {e.Sender} → {e.Recipient}") : null;
            }
        }

        var (who, to) = (_many ? (int)(n % int.MaxValue) : 0, $"{_target}/{n % _principals}");
        if (_payload == "hello")
        {
            var from = PaymentsOptions.Customer(who);
            var hello = SessionHellos.Forge(from, to, 1, _ephemeral, c.RandomBytes(32), c.Time.GetUtcNow().ToUnixTimeMilliseconds(), ["encrypt"], [], c.RandomBytes(64));
            return ForgedFrame.Of(c.Forge(EnvelopeKind.Handshake, from, to, 0, hello), $"flood hello {from} → {to}");
        }

        var kind = _target == "payments" ? EnvelopeKind.Order : EnvelopeKind.BalanceQuery;
        var (junk, tag) = (c.RandomBytes(64), _payload == "junk" ? c.RandomBytes(64) : []);
        var secret = c.Random.NextInt64(1_000_000_000_000_000, 10_000_000_000_000_000).ToString("D16"); // junk card number; PIN and password from it
        var payload = _payload == "junk" ? junk : kind == EnvelopeKind.Order
            ? PaymentsJson.Encode(new OrderMessage($"f-{n}", PaymentsOptions.Account(who), PaymentsOptions.Account(who + 1), 1, secret, secret[..4], ""))
            : PaymentsJson.Encode(new BalanceQueryMessage(to, secret));
        var forged = c.Forge(kind, PaymentsOptions.Customer(who), to, (ulong)n + 1, payload) with { Tag = tag };
        forged = _key is not null ? forged.SignedWith(_key)
            : _randomVersion ? forged with { KeyId = KeyIdSegments.With("", "k", c.Random.Next(2, int.MaxValue).ToString(CultureInfo.InvariantCulture)) }
            : forged;
        return ForgedFrame.Of(forged, $"flood {_payload} {kind} {forged.Sender} → {to}");
    }
}
