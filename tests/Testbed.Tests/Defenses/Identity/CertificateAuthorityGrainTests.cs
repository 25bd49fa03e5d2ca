using Microsoft.Extensions.DependencyInjection;
using Testbed.Defenses.Identity;
using Testbed.Hosting.Cluster;
using Testbed.Services.Payments;
using Xunit;

namespace Testbed.Tests.Defenses.Identity;

/// <summary>
/// The CA grain and the silo registration on a real (one-silo, in-process) Orleans cluster. The CA certifies a principal
/// only for the silo hosting its grain (see <see cref="CertificationHostTests"/>), so the test activates account/1 first.
/// </summary>
public sealed class CertificateAuthorityGrainTests : IAsyncLifetime
{
    private EmbeddedCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions { Silos = 1, Identity = new IdentityOptions { Algorithm = SignatureAlgorithm.Ed25519 } });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Certifies_serves_and_revokes_through_the_grain_and_the_silo_stores()
    {
        await _cluster.Client.GetGrain<IAccountAudit>("1").Snapshot();
        var services = _cluster.SiloServices(0);
        var keys = services.GetRequiredService<KeyStore>();
        var trust = services.GetRequiredService<TrustStore>();
        Assert.Same(keys, services.GetRequiredService<IKeyStore>());
        Assert.Same(trust, services.GetRequiredService<ITrustStore>());

        var key = await keys.GetSigningKeyAsync("account/1");
        Assert.Equal((1, SignatureAlgorithm.Ed25519), (key.Version, key.Algorithm));

        var ca = CertificateAuthorityGrain.Reference(_cluster.Client);
        Assert.Equal(ca.GetGrainId(), _cluster.Client.GetGrain<ICertificateAuthority>(CertificateAuthorityGrain.Key).GetGrainId());
        var certificate = await ca.GetCertificate("account/1", 1);
        Assert.NotNull(certificate);
        Assert.True(new CertificateValidator(await ca.GetInfo()).IsIssuedByCa(certificate));
        Assert.Null(await ca.GetCertificate("account/1", 2));

        var data = "payload"u8.ToArray();
        var signature = new byte[key.SignatureSize];
        key.Sign(data, signature);
        var verifier = await trust.GetVerifierAsync("account/1", 1);
        Assert.True(verifier!.Verify(data, signature));

        var rotated = await keys.RotateAsync("account/1");
        Assert.Equal(2, rotated.Version);
        var revocations = await ca.GetRevocations(0);
        Assert.Equal(1, revocations.Epoch);
        Assert.Equal(("account/1", 1, RevocationReasons.Rotated), (revocations.Revocations[0].Principal, revocations.Revocations[0].Version, revocations.Revocations[0].Reason));

        await trust.RefreshAsync();
        Assert.Equal(TrustStatus.RotatedOut, (await trust.LookupAsync("account/1", 1)).Status);
        Assert.Equal(TrustStatus.Trusted, (await trust.LookupAsync("account/1", 2)).Status);

        // Bad arguments from the hosting silo are refused as such; from the cluster client nothing is even considered.
        var fromSilo = CertificateAuthorityGrain.Reference(services.GetRequiredService<IGrainFactory>());
        await Assert.ThrowsAsync<ArgumentException>(() => fromSilo.Certify("account/1", SignatureAlgorithm.EcdsaP256, [1, 2, 3]));
        await Assert.ThrowsAsync<ArgumentException>(() => fromSilo.Revoke("account/1", 9, "compromised"));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => ca.Revoke("account/1", 2, "compromised"));
    }
}
