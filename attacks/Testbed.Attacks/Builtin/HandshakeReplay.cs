using Testbed.Attacks.Api;
using Testbed.Attacks.Hooks;
using Testbed.Defenses;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// Records the session hellos sent to one service, and at <c>at</c> (after the scenario made the recipients forget the
/// randoms they accepted: a restart, a deactivation) sends them again byte for byte, pair by pair, back to back. The
/// adversary cannot use a session a replayed hello makes (it lacks the initiator's ephemeral key), but a responder that
/// counts such sessions among its live ones retires older ones — the initiator's real session — for them. Before each
/// pair's burst the adversary notes the session the pair is using (answered after <c>at</c>); the burst succeeds when a
/// later request on that session is refused as unknown. Every answered hello of a successful burst counts as succeeded.
/// </summary>
public sealed class HandshakeReplay : Attack
{
    private const int MaxTracked = 4096;
    private readonly object _gate = new();
    private readonly Dictionary<(string Initiator, string Responder), Pair> _pairs = new();
    private string _target = "account/";
    private TimeSpan _at;
    private int _count;
    private int _recorded;
    private bool _armed;

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("handshake-replay", "CAPEC-60", null, AdversaryCapabilities.Observe | AdversaryCapabilities.Inject,
        "re-sends recorded session hellos after the responder forgot them");

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        _target = options.Choice("target", "account", "account", "payments") + "/";
        _at = options.Duration("at", TimeSpan.FromSeconds(3));
        _count = options.Integer("count", 1000, 1, 100_000);
    }

    /// <inheritdoc />
    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is not { Injected: false, Envelope: { } e })
        {
            return;
        }

        lock (_gate)
        {
            if (envelope.Direction == WireDirection.Request)
            {
                if (!e.Recipient.StartsWith(_target, StringComparison.Ordinal))
                {
                    return;
                }

                var pair = PairOf(e.Sender, e.Recipient);
                if (e.Kind == EnvelopeKind.Handshake)
                {
                    if (!_armed && ++_recorded <= _count)
                    {
                        pair.Hellos.Add(envelope);
                    }
                }
                else if (KeyIdSegments.TryGet(e.KeyId, "s", out var session))
                {
                    if (pair.Requests.Count >= MaxTracked)
                    {
                        pair.Requests.Clear(); // replies lost to faults never come: forget, do not grow
                    }

                    pair.Requests[e.Sequence] = session;
                }
            }
            else if (_pairs.TryGetValue((e.Recipient, e.Sender), out var pair) && pair.Requests.Remove(e.InReplyTo, out var session))
            {
                // The answer to a request the real initiator sent on `session`.
                if (e.Kind != EnvelopeKind.Rejected)
                {
                    if (_armed)
                    {
                        pair.LiveNow = session; // answered after `at`: live at the responder since its restart
                    }
                }
                else if (session == pair.Target && pair.PushedOutAt is null
                    && System.Text.Encoding.UTF8.GetString(e.Payload.Span).EndsWith("unknown-session", StringComparison.Ordinal))
                {
                    pair.PushedOutAt = context.Time.GetUtcNow();
                }
            }
        }
    }

    /// <inheritdoc />
    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        await Task.Delay(_at, context.Time, windowClosed);
        lock (_gate)
        {
            _armed = true;
        }

        while (!windowClosed.IsCancellationRequested)
        {
            // A pair's burst goes once a session of it was seen answered since `at`: that session is the one to push out.
            while (NextBurst() is { } pair)
            {
                foreach (var hello in pair.Hellos)
                {
                    var e = hello.Envelope!;
                    var (attempt, _) = await context.InjectFrameAsync(e.Recipient, hello.Frame, $"replay hello {e.Sender} → {e.Recipient}", e.Sender, e.Kind);
                    pair.Burst.Add(attempt);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), context.Time, windowClosed);
        }
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        lock (_gate)
        {
            foreach (var pair in _pairs.Values.Where(p => p.PushedOutAt is not null))
            {
                pair.Burst.Where(a => a.Refusal is null).ToList().ForEach(a => a.Succeeded = true);
            }

            judgement.Details["pairsReplayed"] = _pairs.Values.Count(p => p.Target is not null);
            judgement.Details["sessionsPushedOut"] = _pairs.Values.Count(p => p.PushedOutAt is not null);
        }
    }

    private Pair PairOf(string initiator, string responder)
    {
        if (!_pairs.TryGetValue((initiator, responder), out var pair))
        {
            _pairs[(initiator, responder)] = pair = new Pair();
        }

        return pair;
    }

    private Pair? NextBurst()
    {
        lock (_gate)
        {
            var pair = _pairs.Values.FirstOrDefault(p => p.Target is null && p.LiveNow is not null && p.Hellos.Count > 0);
            if (pair is not null)
            {
                pair.Target = pair.LiveNow;
            }

            return pair;
        }
    }

    /// <summary>What the adversary knows of one (initiator, responder) pair.</summary>
    private sealed class Pair
    {
        public List<ObservedEnvelope> Hellos { get; } = [];

        public Dictionary<ulong, string> Requests { get; } = [];

        public string? LiveNow { get; set; }

        public string? Target { get; set; }

        public List<Attempt> Burst { get; } = [];

        public DateTimeOffset? PushedOutAt { get; set; }
    }
}
