using System.Collections.Concurrent;
using Testbed.Defenses.Identity;

namespace Testbed.Hosting.Cluster.Agents;

/// <summary>A key handed over to an adversary on another silo: its version and scheme (the key itself stays here).</summary>
[GenerateSerializer, Immutable]
public sealed record StolenKeyInfo([property: Id(0)] int Version, [property: Id(1)] SignatureAlgorithm Algorithm);

/// <summary>
/// The keys of this silo's principals that were handed over to an adversary living on another silo (a compromise across
/// processes). Keys never leave the process that made them, here as on an embedded cluster: the adversary holds a
/// <see cref="RemoteSigningKey"/> that signs (and agrees) through this silo's agent with the very key object it was
/// handed — which keeps working after the principal rotates, as a stolen key does.
/// </summary>
internal sealed class StolenKeys
{
    private readonly ConcurrentDictionary<(string Principal, int Version), ISigningKey> _handed = new();

    /// <summary>Hands <paramref name="key"/> over; what the thief may name it by.</summary>
    public StolenKeyInfo HandOver(ISigningKey key)
    {
        _handed[(key.Principal, key.Version)] = key;
        return new StolenKeyInfo(key.Version, key.Algorithm);
    }

    /// <summary>The key handed over as (<paramref name="principal"/>, <paramref name="version"/>).</summary>
    public ISigningKey Get(string principal, int version) =>
        _handed.TryGetValue((principal, version), out var key) ? key : throw new InvalidOperationException($"no key of {principal} v{version} was handed over on this silo");
}

/// <summary>
/// An adversary's handle on a key that lives in another silo process (<see cref="StolenKeys"/>): every signature and
/// static agreement is one grain call to the holder's agent, waited for synchronously (<see cref="ISigningKey.Sign"/> is
/// synchronous), with a timeout. The private key never crosses the network; its signatures do.
/// </summary>
internal sealed class RemoteSigningKey(ISiloAgent holder, string principal, StolenKeyInfo info) : ISigningKey, IStaticKeyAgreement
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private byte[]? _staticPublicKey;

    public string Principal { get; } = principal;

    public int Version => info.Version;

    public SignatureAlgorithm Algorithm => info.Algorithm;

    public int SignatureSize => 64;

    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        var signed = Wait(holder.SignWithStolen(Principal, Version, data.ToArray()));
        if (signed.Length != signature.Length)
        {
            throw new ArgumentException($"a signature is {signed.Length} bytes; the destination holds {signature.Length}", nameof(signature));
        }

        signed.CopyTo(signature);
    }

    public ReadOnlyMemory<byte> StaticPublicKey => _staticPublicKey ??= Wait(holder.StolenStaticPublicKey(Principal, Version));

    public int AgreeStatic(ReadOnlySpan<byte> peerPublicKey, Span<byte> secret)
    {
        var agreed = Wait(holder.AgreeWithStolen(Principal, Version, peerPublicKey.ToArray()));
        if (agreed is null)
        {
            return -1;
        }

        agreed.CopyTo(secret);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(agreed);
        return agreed.Length;
    }

    public override string ToString() => $"signing key {Principal} v{Version}, held by another silo";

    private static T Wait<T>(Task<T> call) => call.WaitAsync(CallTimeout).GetAwaiter().GetResult();
}
