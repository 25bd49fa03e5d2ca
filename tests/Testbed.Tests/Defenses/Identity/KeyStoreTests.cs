using System.Reflection;
using System.Security.Cryptography;
using Testbed.Defenses.Identity;
using Xunit;

namespace Testbed.Tests.Defenses.Identity;

public sealed class KeyStoreTests : IDisposable
{
    private readonly IdentityWorld _world = new(SignatureAlgorithm.Ed25519);

    public void Dispose() => _world.Dispose();

    private KeyStore Keys => _world.SenderSilo.Keys;

    [Theory]
    [InlineData(SignatureAlgorithm.EcdsaP256)]
    [InlineData(SignatureAlgorithm.Ed25519)]
    public async Task First_use_makes_and_certifies_version_1_whose_signatures_the_certificate_verifies(SignatureAlgorithm algorithm)
    {
        using var world = new IdentityWorld(algorithm);
        var key = await world.SenderSilo.Keys.GetSigningKeyAsync("payments/0");

        Assert.Equal(("payments/0", 1, algorithm, 64), (key.Principal, key.Version, key.Algorithm, key.SignatureSize));
        var certificate = world.Ca.Inner.GetCertificate("payments/0", 1)!;
        Assert.Equal(certificate, ((SigningKey)key).Certificate);

        var data = "hello"u8.ToArray();
        var signature = new byte[key.SignatureSize];
        key.Sign(data, signature);
        var verifier = new CertificateValidator(world.Ca.Inner.Info).TryCreateVerifier(certificate)!;
        Assert.True(verifier.Verify(data, signature));
        Assert.False(verifier.Verify("hellO"u8, signature));
        Assert.Same(key, await world.SenderSilo.Keys.GetSigningKeyAsync("payments/0"));
    }

    [Fact]
    public async Task Concurrent_first_uses_certify_once()
    {
        _world.Ca.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = Enumerable.Range(0, 20).Select(_ => Keys.GetSigningKeyAsync("account/3").AsTask()).ToArray();
        _world.Ca.Hold.SetResult();
        var keys = await Task.WhenAll(pending);

        Assert.Equal(1, _world.Ca.CertifyCalls);
        Assert.All(keys, k => Assert.Same(keys[0], k));
        Assert.Equal(1, _world.Ca.Inner.CurrentVersion("account/3"));
    }

    [Fact]
    public async Task A_failed_certification_is_retried_on_next_use()
    {
        _world.Ca.FailWith = new TimeoutException("CA not reachable");
        await Assert.ThrowsAsync<TimeoutException>(async () => await Keys.GetSigningKeyAsync("a"));
        Assert.False(Keys.Holds("a"));

        _world.Ca.FailWith = null;
        var key = await Keys.GetSigningKeyAsync("a");
        Assert.Equal(1, key.Version);
        Assert.True(Keys.Holds("a"));
    }

    [Fact]
    public async Task Rejects_invalid_principal_ids()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await Keys.GetSigningKeyAsync("Bad Id"));
        Assert.Equal(0, _world.Ca.CertifyCalls);
    }

    [Fact]
    public async Task Rotation_certifies_the_next_version_and_revokes_the_previous_as_rotated()
    {
        var first = await Keys.GetSigningKeyAsync("account/1");
        var second = await Keys.RotateAsync("account/1");

        Assert.Equal(2, second.Version);
        Assert.Same(second, await Keys.GetSigningKeyAsync("account/1"));
        Assert.Equal(RevocationReasons.Rotated, _world.Ca.Inner.GetRevocation("account/1", first.Version)?.Reason);
        Assert.Null(_world.Ca.Inner.GetRevocation("account/1", 2));

        var third = await Keys.RotateAsync("account/1", RevocationReasons.Compromised);
        Assert.Equal(3, third.Version);
        Assert.Equal(RevocationReasons.Compromised, _world.Ca.Inner.GetRevocation("account/1", 2)?.Reason);
        Assert.Equal(2, _world.Ca.Inner.RevocationEpoch);
    }

    [Fact]
    public async Task Each_silo_has_its_own_keys()
    {
        var here = await _world.SenderSilo.Keys.GetSigningKeyAsync("a");
        Assert.False(_world.ReceiverSilo.Keys.Holds("a"));
        var there = await _world.ReceiverSilo.Keys.GetSigningKeyAsync("a");
        Assert.Equal((1, 2), (here.Version, there.Version));
    }

    [Fact]
    public async Task No_public_member_of_a_key_type_exposes_private_key_material()
    {
        Type[] keyTypes = [typeof(SigningKey), typeof(KeyStore), typeof(CertificateAuthority), typeof(CertificateAuthorityGrain)];
        var exposed = keyTypes
            .SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Select(m => (Member: $"{m.DeclaringType!.Name}.{m.Name}", Type: m switch
            {
                PropertyInfo p => p.PropertyType,
                FieldInfo f => f.FieldType,
                MethodInfo mi => mi.ReturnType,
                _ => typeof(void),
            }))
            .Where(m => typeof(AsymmetricAlgorithm).IsAssignableFrom(m.Type) || m.Type == typeof(NSec.Cryptography.Key) || m.Type.Name == nameof(KeyMaterial))
            .Select(m => m.Member)
            .ToList();

        Assert.Empty(exposed);
        Assert.Null(typeof(SigningKey).GetCustomAttribute<Orleans.GenerateSerializerAttribute>());
        Assert.DoesNotContain("BEGIN", (await Keys.GetSigningKeyAsync("a")).ToString(), StringComparison.Ordinal);
    }
}
