using Testbed.Defenses;
using Testbed.Defenses.Encrypt;
using Testbed.Defenses.Identity;
using Testbed.Defenses.Session;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Attacks.Api;

/// <summary>
/// Traffic an observer recorded, and what a long-term key it is handed later opens of it — the forward-secrecy test
/// (Tamarin's Reveal against recorded traffic). <see cref="Record"/> keeps envelopes and pairs each session reply with the
/// hello it answers (the pair's latest hello before it: an initiator runs one handshake per peer at a time).
/// <see cref="ReadWithAsync"/> takes every recorded session the key's principal took part in, agrees its static
/// key-agreement key (<see cref="IStaticKeyAgreement"/>) with the other side's public key from the handshake, runs the
/// protocol's public key schedule (<see cref="RecordedHandshake.Derive"/>), and opens every recorded data envelope of
/// that pair with the product's own <c>encrypt</c> layer (AES-256-GCM, then ChaCha20-Poly1305; nonce = the direction's
/// mask XOR the sequence, the header as associated data). Under <c>keyAgreement: static</c> that secret is the session's;
/// under ephemeral agreement it is not, and every AEAD tag refuses. Thread-safe.
/// </summary>
public sealed class RecordedSessions(int capacity = 20_000)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Initiator, string Responder), Envelope> _pendingHellos = [];
    private readonly List<RecordedHandshake> _sessions = [];
    private readonly List<Envelope> _data = [];
    private int _recorded, _inClear;

    /// <summary>Most data envelopes kept (later ones are counted in <see cref="Recorded"/>, not kept).</summary>
    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <summary>Envelopes recorded, of every kind (handshakes, data, refusals).</summary>
    public int Recorded => Volatile.Read(ref _recorded);

    /// <summary>Recorded envelopes whose payload was readable JSON on the wire (<see cref="Readable.IsClearJson"/>).</summary>
    public int InClear => Volatile.Read(ref _inClear);

    /// <summary>Complete handshakes recorded (a hello and the reply that answered it).</summary>
    public int Sessions
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Records <paramref name="envelope"/> as seen on the wire.</summary>
    public void Record(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        Interlocked.Increment(ref _recorded);
        if (Readable.IsClearJson(envelope.Payload.Span))
        {
            Interlocked.Increment(ref _inClear);
            return; // nothing to open
        }

        lock (_gate)
        {
            switch (envelope.Kind)
            {
                case EnvelopeKind.Handshake:
                    _pendingHellos[(envelope.Sender, envelope.Recipient)] = envelope;
                    break;
                case EnvelopeKind.HandshakeReply:
                    if (_pendingHellos.Remove((envelope.Recipient, envelope.Sender), out var hello)
                        && RecordedHandshake.TryRead(hello.Payload, envelope.Payload, out var session))
                    {
                        _sessions.Add(session);
                    }

                    break;
                case EnvelopeKind.Rejected:
                    break;
                default:
                    if (_data.Count < Capacity)
                    {
                        _data.Add(envelope);
                    }

                    break;
            }
        }
    }

    /// <summary>What was recorded until now, read without any key: only what was in clear.</summary>
    public SessionReading Unopened()
    {
        lock (_gate)
        {
            return new SessionReading(Recorded, InClear, _sessions.Count, 0, 0, _data.Count, []);
        }
    }

    /// <summary>
    /// What <paramref name="key"/> opens of what was recorded until now (see the class summary). A key object that
    /// cannot agree (no <see cref="IStaticKeyAgreement"/>) derives nothing; what was in clear is counted either way.
    /// </summary>
    public async Task<SessionReading> ReadWithAsync(ISigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        RecordedHandshake[] sessions;
        Envelope[] data;
        int recorded, inClear;
        lock (_gate)
        {
            (sessions, data) = (_sessions.ToArray(), _data.ToArray());
            (recorded, inClear) = (Recorded, InClear);
        }

        var derived = sessions.Where(s => s.Initiator == key.Principal || s.Responder == key.Principal)
            .Select(s => Derive(s, key)).ToArray();
        var opened = new HashSet<RecordedHandshake>();
        var decrypted = new List<Envelope>();
        var endpoint = new DefenseEndpoint(key.Principal, Offline.Environment);
        foreach (var envelope in data)
        {
            foreach (var session in derived)
            {
                var state = session?.For(envelope);
                if (state is not null && await TryOpenAsync(envelope, state, endpoint) is { } plain)
                {
                    decrypted.Add(plain);
                    opened.Add(session!.Handshake);
                    break;
                }
            }
        }

        return new SessionReading(recorded, inClear, sessions.Length, derived.Length, opened.Count, data.Length, decrypted);
    }

    /// <summary>Both endpoints' view of the session, from the handed key's agreement with the other side; null when it cannot agree.</summary>
    private static DerivedSession? Derive(RecordedHandshake handshake, ISigningKey key)
    {
        if (key is not IStaticKeyAgreement agreeing)
        {
            return null;
        }

        var other = key.Principal == handshake.Initiator ? handshake.ResponderPublicKey : handshake.InitiatorPublicKey;
        Span<byte> secret = stackalloc byte[64];
        try
        {
            var length = agreeing.AgreeStatic(other.Span, secret);
            return length <= 0
                ? null
                : new DerivedSession(handshake,
                    OpensRequests: handshake.Derive(secret[..length], asInitiator: false, DateTimeOffset.UnixEpoch),
                    OpensReplies: handshake.Derive(secret[..length], asInitiator: true, DateTimeOffset.UnixEpoch));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static async Task<Envelope?> TryOpenAsync(Envelope envelope, SessionState session, DefenseEndpoint endpoint)
    {
        foreach (var layer in Layers)
        {
            var context = new MessageContext { Endpoint = endpoint, Peer = envelope.Sender, Direction = WireDirection.Request, Session = session };
            var result = await layer.OpenAsync(envelope, context);
            if (result.Outcome == OpenOutcome.Continue)
            {
                return result.Envelope;
            }
        }

        return null;
    }

    private static EncryptLayer[] Layers { get; } = ChaCha20Poly1305Supported
        ? [new(new EncryptOptions { Algorithm = EncryptAlgorithm.AesGcm }, Offline.Environment), new(new EncryptOptions { Algorithm = EncryptAlgorithm.ChaCha20Poly1305 }, Offline.Environment)]
        : [new(new EncryptOptions { Algorithm = EncryptAlgorithm.AesGcm }, Offline.Environment)];

    private static bool ChaCha20Poly1305Supported => System.Security.Cryptography.ChaCha20Poly1305.IsSupported;

    /// <summary>A recorded session with the keys derived for it: requests open as the responder does, replies as the initiator.</summary>
    private sealed record DerivedSession(RecordedHandshake Handshake, SessionState OpensRequests, SessionState OpensReplies)
    {
        /// <summary>The view that opens <paramref name="envelope"/> if it travelled on this pair, else null; only sessions that chose encrypt.</summary>
        public SessionState? For(Envelope envelope) =>
            !Handshake.Chosen.Contains(EncryptLayer.LayerName) ? null
            : envelope.Sender == Handshake.Initiator && envelope.Recipient == Handshake.Responder ? OpensRequests
            : envelope.Sender == Handshake.Responder && envelope.Recipient == Handshake.Initiator ? OpensReplies
            : null;
    }

    /// <summary>A defense environment with nothing in it: the encrypt layer needs one, and uses none of it to open.</summary>
    private sealed class Offline : IKeyStore, ITrustStore, ISecurityEventSink, IWire
    {
        public static DefenseEnvironment Environment { get; } = new(TimeProvider.System, new Offline(), new Offline(), new Offline(), new Offline());

        public ValueTask<ISigningKey> GetSigningKeyAsync(string principal) => throw new InvalidOperationException("an offline reader holds no keys");

        public ValueTask<ISignatureVerifier?> GetVerifierAsync(string principal, int version) => ValueTask.FromResult<ISignatureVerifier?>(null);

        public void Record(SecurityEvent securityEvent)
        {
        }

        public ValueTask<Envelope> SendAsync(Envelope request, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("an offline reader sends nothing");
    }
}

/// <summary>
/// What <see cref="RecordedSessions.ReadWithAsync"/> read: <see cref="Recorded"/> envelopes, of which <see cref="InClear"/>
/// were readable on the wire and <see cref="Decrypted"/> (the opened envelopes) were opened with derived keys;
/// <see cref="Sessions"/> handshakes recorded, <see cref="SessionsTried"/> of them with the key's principal (the
/// derivation was run), <see cref="SessionsOpened"/> whose derived keys opened at least one envelope;
/// <see cref="Sealed"/> data envelopes that were not in clear.
/// </summary>
public sealed record SessionReading(int Recorded, int InClear, int Sessions, int SessionsTried, int SessionsOpened, int Sealed, IReadOnlyList<Envelope> Decrypted)
{
    /// <summary>Recorded envelopes the reader can read: in clear, or decrypted.</summary>
    public int Readable => InClear + Decrypted.Count;

    /// <summary>Sealed data envelopes it could not open (handshakes and refusals are not data, and not counted).</summary>
    public int Unread => Sealed - Decrypted.Count;
}
