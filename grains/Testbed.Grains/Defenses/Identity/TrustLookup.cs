namespace Testbed.Defenses.Identity;

/// <summary>What a trust store knows about one (principal, key version).</summary>
public enum TrustStatus
{
    /// <summary>A valid certificate, not revoked as far as the store has learned: the lookup carries a verifier.</summary>
    Trusted,
    /// <summary>The certificate authority has no certificate for it.</summary>
    Unknown,
    /// <summary>A certificate came back but is not validly signed by the CA (or does not match what was asked, or holds an unusable key).</summary>
    InvalidCertificate,
    /// <summary>Revoked (for a reason other than rotation, e.g. "compromised").</summary>
    Revoked,
    /// <summary>Replaced by a newer version (revoked with reason <see cref="RevocationReasons.Rotated"/>).</summary>
    RotatedOut,
}

/// <summary>The answer of a trust lookup: the status and, when <see cref="TrustStatus.Trusted"/>, the verifier.</summary>
public readonly record struct TrustLookup(TrustStatus Status, ISignatureVerifier? Verifier)
{
    /// <summary>A trusted verifier.</summary>
    public static TrustLookup Trusted(ISignatureVerifier verifier) => new(TrustStatus.Trusted, verifier);

    /// <summary>A lookup that failed with <paramref name="status"/>.</summary>
    public static TrustLookup Untrusted(TrustStatus status) => new(status, null);
}

/// <summary>
/// A trust store that can say why it has no verifier (unknown vs invalid certificate vs revoked vs rotated out).
/// <see cref="TrustStore"/> implements it; other <see cref="ITrustStore"/>s are adapted by <see cref="TrustStoreExtensions.LookupAsync"/>.
/// </summary>
public interface ITrustLookup
{
    /// <summary>The status and verifier for <paramref name="principal"/>'s key <paramref name="version"/>.</summary>
    ValueTask<TrustLookup> LookupAsync(string principal, int version);
}

/// <summary>
/// What a trust store has learned of revocations, cheap enough to ask on every message: holders of long-lived state made
/// with a key (sessions) compare <see cref="Epoch"/> with the one they last checked at and look again only when it moved.
/// <see cref="TrustStore"/> implements it.
/// </summary>
public interface IRevocationView
{
    /// <summary>Changes (grows) whenever the store learns new revocations or rotations.</summary>
    long Epoch { get; }

    /// <summary>True when <paramref name="principal"/>'s key <paramref name="version"/> is revoked or rotated out, as far as the store has learned.</summary>
    bool IsRevoked(string principal, int version);
}

/// <summary>Helpers over <see cref="ITrustStore"/>.</summary>
public static class TrustStoreExtensions
{
    /// <summary>
    /// The detailed lookup when the store supports it (<see cref="ITrustLookup"/>); otherwise the plain verifier lookup,
    /// where no verifier reads as <see cref="TrustStatus.Unknown"/>.
    /// </summary>
    public static ValueTask<TrustLookup> LookupAsync(this ITrustStore store, string principal, int version)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store is ITrustLookup detailed)
        {
            return detailed.LookupAsync(principal, version);
        }

        var plain = store.GetVerifierAsync(principal, version);
        return plain.IsCompletedSuccessfully ? new(From(plain.Result)) : Await(plain);

        static async ValueTask<TrustLookup> Await(ValueTask<ISignatureVerifier?> pending) => From(await pending);

        static TrustLookup From(ISignatureVerifier? verifier) =>
            verifier is null ? TrustLookup.Untrusted(TrustStatus.Unknown) : TrustLookup.Trusted(verifier);
    }
}
