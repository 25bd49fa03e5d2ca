using System.Collections.Concurrent;
using Testbed.Defenses.Identity;

namespace Testbed.Defenses.InProcess;

/// <summary>
/// Identities for pipelines outside a cluster (benchmarks, experiments with a stack): one key pair per principal, made
/// on first use, trusted at version 1. No CA grain, no rotation or revocation — use the cluster's KeyStore/TrustStore for those.
/// </summary>
public sealed class InProcessIdentities(SignatureAlgorithm algorithm = SignatureAlgorithm.EcdsaP256) : IKeyStore, ITrustStore, IDisposable
{
    private readonly ConcurrentDictionary<string, Identity> _identities = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<ISigningKey> GetSigningKeyAsync(string principal) => ValueTask.FromResult<ISigningKey>(Get(principal));

    /// <inheritdoc />
    public ValueTask<ISignatureVerifier?> GetVerifierAsync(string principal, int version) =>
        ValueTask.FromResult<ISignatureVerifier?>(version == 1 ? Get(principal) : null);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var identity in _identities.Values)
        {
            identity.Dispose();
        }
    }

    private Identity Get(string principal) => _identities.GetOrAdd(principal, p => new Identity(p, KeyMaterial.Create(algorithm)));

    private sealed class Identity : ISigningKey, IStaticKeyAgreement, ISignatureVerifier, IDisposable
    {
        private readonly KeyMaterial _key;
        private readonly StaticAgreementKey _agreement = new();
        private readonly PublicKeyVerifier _verifier;

        public Identity(string principal, KeyMaterial key)
        {
            Principal = principal;
            _key = key;
            _verifier = PublicKeyVerifier.TryCreate(key.Algorithm, key.PublicKey, out var verifier)
                ? verifier!
                : throw new InvalidOperationException("a freshly made public key did not parse");
        }

        public string Principal { get; }

        public int Version => 1;

        public SignatureAlgorithm Algorithm => _key.Algorithm;

        public int SignatureSize => KeyMaterial.SignatureSize;

        public void Sign(ReadOnlySpan<byte> data, Span<byte> signature) => _key.Sign(data, signature);

        public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => _verifier.Verify(data, signature);

        public ReadOnlyMemory<byte> StaticPublicKey => _agreement.StaticPublicKey;

        public int AgreeStatic(ReadOnlySpan<byte> peerPublicKey, Span<byte> secret) => _agreement.AgreeStatic(peerPublicKey, secret);

        public void Dispose()
        {
            _key.Dispose();
            _agreement.Dispose();
        }
    }
}
