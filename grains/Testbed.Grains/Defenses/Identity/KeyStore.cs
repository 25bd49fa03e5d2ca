using System.Collections.Concurrent;
using Testbed.Envelopes;

namespace Testbed.Defenses.Identity;

/// <summary>
/// One silo's store of its local principals' long-term signing keys. A principal's key pair is made in memory on first use
/// and certified by the CA (the first key is version 1); the private key never leaves this process. Rotation certifies a
/// new version and revokes the previous one at the CA. Thread-safe: concurrent first uses certify once.
/// Keys are per silo: rotate a principal on the silo whose store holds its key (<see cref="Holds"/>).
/// </summary>
public sealed class KeyStore : IKeyStore, IDisposable
{
    private readonly ICertificateAuthority _ca;
    private readonly IdentityOptions _options;
    private readonly ConcurrentDictionary<string, Task<SigningKey>> _keys = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _rotation = new(1, 1);

    /// <summary>Creates the store; keys are certified by <paramref name="ca"/> and use <see cref="IdentityOptions.Algorithm"/>.</summary>
    public KeyStore(ICertificateAuthority ca, IdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _ca = ca;
        _options = options;
    }

    /// <summary>The scheme of the keys this store makes.</summary>
    public SignatureAlgorithm Algorithm => _options.Algorithm;

    /// <inheritdoc />
    public ValueTask<ISigningKey> GetSigningKeyAsync(string principal)
    {
        if (principal is not null && _keys.TryGetValue(principal, out var known) && known.IsCompletedSuccessfully)
        {
            return new ValueTask<ISigningKey>(known.Result);
        }

        return CreateLaterAsync(principal!);

        async ValueTask<ISigningKey> CreateLaterAsync(string name) => await GetOrCreateAsync(name).ConfigureAwait(false);
    }

    /// <summary>True when this store holds a (certified) key for <paramref name="principal"/>.</summary>
    public bool Holds(string principal) =>
        _keys.TryGetValue(principal, out var known) && known.IsCompletedSuccessfully;

    /// <summary>Replaces <paramref name="principal"/>'s key: see <see cref="RotateAsync(string, string)"/> with reason "rotated".</summary>
    public Task<ISigningKey> RotateAsync(string principal) => RotateAsync(principal, RevocationReasons.Rotated);

    /// <summary>
    /// Makes a new key for <paramref name="principal"/>, has it certified (the next version), makes it the current key, and
    /// then revokes the previous version at the CA for <paramref name="reason"/> ("rotated" reads as rotated out to verifiers,
    /// any other reason, e.g. "compromised", as revoked). The revocation is immediate at the CA; each silo's trust store
    /// learns it at its next poll. If the principal had no key yet, it first gets one (version 1), which is then replaced.
    /// </summary>
    public async Task<ISigningKey> RotateAsync(string principal, string reason)
    {
        await _rotation.WaitAsync().ConfigureAwait(false);
        try
        {
            var previous = await GetOrCreateAsync(principal).ConfigureAwait(false);
            var next = await CertifyNewKeyAsync(principal).ConfigureAwait(false);
            _keys[principal] = Task.FromResult(next);
            await _ca.Revoke(principal, previous.Version, reason).ConfigureAwait(false);
            return next;
        }
        finally
        {
            _rotation.Release();
        }
    }

    /// <summary>Releases the private keys this store holds.</summary>
    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            if (key.IsCompletedSuccessfully)
            {
                key.Result.Dispose();
            }
        }

        _keys.Clear();
        _rotation.Dispose();
    }

    private async Task<SigningKey> GetOrCreateAsync(string principal)
    {
        if (!PrincipalId.IsValid(principal))
        {
            throw new ArgumentException($"'{principal}' is not a valid principal id", nameof(principal));
        }

        var mine = new TaskCompletionSource<SigningKey>(TaskCreationOptions.RunContinuationsAsynchronously);
        var current = _keys.GetOrAdd(principal, mine.Task);
        if (current != mine.Task)
        {
            return await current.ConfigureAwait(false);
        }

        try
        {
            mine.SetResult(await CertifyNewKeyAsync(principal).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            // Forget the failure so the next use tries again (e.g. the CA was not reachable yet).
            _keys.TryRemove(new KeyValuePair<string, Task<SigningKey>>(principal, mine.Task));
            mine.SetException(ex);
        }

        return await mine.Task.ConfigureAwait(false);
    }

    private async Task<SigningKey> CertifyNewKeyAsync(string principal)
    {
        var material = KeyMaterial.Create(_options.Algorithm);
        try
        {
            var certificate = await _ca.Certify(principal, material.Algorithm, material.PublicKey).ConfigureAwait(false);
            if (certificate.Principal != principal || !certificate.PublicKey.AsSpan().SequenceEqual(material.PublicKey))
            {
                throw new InvalidOperationException($"the CA returned a certificate that does not match the key it was asked to certify for {principal}");
            }

            return new SigningKey(certificate, material);
        }
        catch
        {
            material.Dispose();
            throw;
        }
    }
}
