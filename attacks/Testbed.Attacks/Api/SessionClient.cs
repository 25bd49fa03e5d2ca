using Testbed.Defenses;
using Testbed.Defenses.Encrypt;
using Testbed.Defenses.Identity;
using Testbed.Defenses.Mac;
using Testbed.Defenses.Session;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Attacks.Api;

/// <summary>
/// An adversary-side session initiator: the product's own <c>session</c>, <c>encrypt</c> and <c>mac</c> layers, run as
/// <see cref="Principal"/> with a long-term key the adversary was handed (<see cref="AdversaryContext.CompromiseAsync"/>),
/// their handshake injected over the wire. The first <see cref="SealAsync"/> runs a handshake with the peer, signed with
/// that key (offering encrypt and mac, requiring nothing, so the peer's own minimum decides); later ones seal on the same
/// session until it runs out by the client's own defaults (10 minutes, 100 000 messages) — nothing the peer answers is
/// opened, so a refusal never makes it renew. It does not authenticate the peer (an adversary does not care who answers)
/// and holds no key but the one it was given. Not thread-safe: seal from one loop.
/// </summary>
public sealed class SessionClient
{
    private readonly DefensePipeline _pipeline;
    private readonly DefenseEndpoint _endpoint;
    private readonly InjectingWire _wire;

    private SessionClient(AdversaryContext context, ISigningKey key, string peer)
    {
        Peer = peer;
        _wire = new InjectingWire(context);
        var environment = new DefenseEnvironment(context.Time, new HandedKey(key), new AnyPeer(), new Discard(), _wire);
        _pipeline = new DefensePipelineBuilder()
            .AddSession(new SessionOptions { Offer = ["encrypt", "mac"], Require = [] })
            .AddEncrypt()
            .AddMac()
            .Build(environment);
        _endpoint = new DefenseEndpoint(key.Principal, environment);
    }

    /// <summary>Whom the client speaks for: the principal of the handed-over key.</summary>
    public string Principal => _endpoint.Principal;

    /// <summary>The responder.</summary>
    public string Peer { get; }

    /// <summary>The session the last seal went out on (null before the first handshake succeeded).</summary>
    public SessionState? Session { get; private set; }

    /// <summary>Handshakes run so far (each a hello injected as <see cref="Principal"/>).</summary>
    public int Handshakes => _wire.Sent;

    /// <summary>
    /// A client speaking as <paramref name="key"/>'s principal to <paramref name="peer"/> (needs
    /// <see cref="AdversaryCapabilities.Inject"/>, which carries its handshakes).
    /// </summary>
    public static SessionClient As(AdversaryContext context, ISigningKey key, string peer)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(peer);
        return new SessionClient(context, key, peer);
    }

    /// <summary>
    /// <paramref name="envelope"/> (sender <see cref="Principal"/>, recipient <see cref="Peer"/>) sealed on the session,
    /// as the principal's own pipeline seals a request — after a handshake when there is no session yet. Inject the result
    /// with <see cref="AdversaryContext.InjectAsync"/>. Throws <see cref="DefenseException"/> when the peer refuses the
    /// handshake (e.g. <c>handshake-refused</c>: no session layer there, or the key is no longer trusted).
    /// </summary>
    public async Task<Envelope> SealAsync(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Sender != Principal || envelope.Recipient != Peer)
        {
            throw new ArgumentException($"a {Principal} → {Peer} client seals only envelopes from {Principal} to {Peer}", nameof(envelope));
        }

        var context = new MessageContext { Endpoint = _endpoint, Peer = Peer, Direction = WireDirection.Request };
        var sealedEnvelope = await _pipeline.SealAsync(envelope, context);
        Session = context.Session as SessionState;
        return sealedEnvelope;
    }

    /// <summary>The wire as the client's session layer sees it: each handshake injected, its reply decoded.</summary>
    private sealed class InjectingWire(AdversaryContext context) : IWire
    {
        public int Sent { get; private set; }

        public async ValueTask<Envelope> SendAsync(Envelope request, CancellationToken cancellationToken = default)
        {
            Sent++;
            var reply = await context.InjectHandshakeAsync(request, cancellationToken);
            return EnvelopeCodec.TryDecodeOwned(reply, out var envelope, out var error) ? envelope : throw new MalformedReplyException(error);
        }
    }

    private sealed class HandedKey(ISigningKey key) : IKeyStore
    {
        public ValueTask<ISigningKey> GetSigningKeyAsync(string principal) =>
            principal == key.Principal ? ValueTask.FromResult(key) : throw new InvalidOperationException($"the adversary holds no key of {principal}");
    }

    /// <summary>Takes the responder's signature on trust: the adversary does not need to know whom it talks to.</summary>
    private sealed class AnyPeer : ITrustStore
    {
        public ValueTask<ISignatureVerifier?> GetVerifierAsync(string principal, int version) => ValueTask.FromResult<ISignatureVerifier?>(new Unchecked(principal, version));

        private sealed record Unchecked(string Principal, int Version) : ISignatureVerifier
        {
            public SignatureAlgorithm Algorithm => SignatureAlgorithm.EcdsaP256;

            public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => true;
        }
    }

    private sealed class Discard : ISecurityEventSink
    {
        public void Record(SecurityEvent securityEvent)
        {
        }
    }
}
