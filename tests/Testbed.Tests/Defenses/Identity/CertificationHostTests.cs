using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Testbed.Defenses;
using Testbed.Defenses.Identity;
using Testbed.Envelopes;
using Testbed.Hosting.Cluster;
using Testbed.Scenarios;
using Testbed.Services.Payments;
using Xunit;

namespace Testbed.Tests.Defenses.Identity;

/// <summary>
/// Who may have a principal certified, on a real 2-silo cluster: only the silo hosting the principal's grain (its
/// activation, or that silo's own runtime). A certificate issued to anyone else for it would let them sign as it, and
/// every silo's trust store would believe them.
/// </summary>
public sealed class CertificationHostTests : IAsyncLifetime
{
    private EmbeddedCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var signed = DefenseCatalog.Resolve([new DefenseSpec { Name = "signed" }]);
        _cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions { Silos = 2, Defenses = signed.Pipeline, Identity = signed.Identity });
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>Activates account/<paramref name="index"/> and returns the indexes of the silo hosting it and of the other one.</summary>
    private async Task<(int Host, int Other)> ActivateAsync(int index)
    {
        await _cluster.Client.GetGrain<IAccountAudit>(index.ToString(CultureInfo.InvariantCulture)).Snapshot();
        var host = _cluster.SiloNames.ToList().IndexOf(_cluster.HostingSilo($"account/{index}")!);
        Assert.InRange(host, 0, 1);
        return (host, 1 - host);
    }

    private ICertificateAuthority CaFrom(int silo) =>
        CertificateAuthorityGrain.Reference(_cluster.SiloServices(silo).GetRequiredService<IGrainFactory>());

    private TrustStore TrustOf(int silo) => _cluster.SiloServices(silo).GetRequiredService<TrustStore>();

    [Fact]
    public async Task Another_silo_cannot_have_a_principal_certified()
    {
        var (host, other) = await ActivateAsync(1);
        using var mallory = KeyMaterial.Create(SignatureAlgorithm.EcdsaP256);

        var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => CaFrom(other).Certify("account/1", SignatureAlgorithm.EcdsaP256, mallory.PublicKey));
        Assert.Contains("account/1", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(async () => await _cluster.SiloServices(other).GetRequiredService<KeyStore>().GetSigningKeyAsync("account/1"));

        // Nothing was issued: no silo trusts a key for account/1.
        Assert.Equal(0, (await CaFrom(host).FindCertificate("account/1", 1)).CurrentVersion);
        Assert.Equal(TrustStatus.Unknown, (await TrustOf(host).LookupAsync("account/1", 1)).Status);
    }

    [Fact]
    public async Task A_cluster_client_cannot_have_a_principal_certified()
    {
        await ActivateAsync(2);
        using var mallory = KeyMaterial.Create(SignatureAlgorithm.EcdsaP256);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            CertificateAuthorityGrain.Reference(_cluster.Client).Certify("account/2", SignatureAlgorithm.EcdsaP256, mallory.PublicKey));
        Assert.Equal(0, (await CaFrom(0).FindCertificate("account/2", 1)).CurrentVersion);
    }

    [Fact]
    public async Task The_silo_hosting_a_principal_has_it_certified_and_every_silo_trusts_it()
    {
        var (host, other) = await ActivateAsync(3);
        var key = await _cluster.SiloServices(host).GetRequiredService<KeyStore>().GetSigningKeyAsync("account/3");
        Assert.Equal(("account/3", 1), (key.Principal, key.Version));

        var data = "debit 5"u8.ToArray();
        var signature = new byte[key.SignatureSize];
        key.Sign(data, signature);
        var verifier = (await TrustOf(other).LookupAsync("account/3", 1)).Verifier;
        Assert.True(verifier!.Verify(data, signature));
    }

    [Fact]
    public async Task A_principal_active_on_no_silo_is_not_certified()
    {
        using var key = KeyMaterial.Create(SignatureAlgorithm.EcdsaP256);
        foreach (var silo in new[] { 0, 1 })
        {
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => CaFrom(silo).Certify("account/9", SignatureAlgorithm.EcdsaP256, key.PublicKey));
        }

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => CaFrom(0).Certify("not-a-grain", SignatureAlgorithm.EcdsaP256, key.PublicKey));
    }

    [Fact]
    public async Task A_cluster_client_cannot_get_its_own_key_certified_for_a_payment_shard_and_credit_an_account()
    {
        // The attack: any caller of the CA asks for a certificate binding its own key to payments/0 (its next version),
        // then signs a credit as payments/0 with it and puts it on the wire.
        var warm = await _cluster.Client.GetGrain<ICustomer>("0").Transfer(new TransferCommand("warm-1", "account/1", 5));
        Assert.Equal(OutcomeStatus.Ok, warm.Status); // payments/0 holds its key (version 1), account/1 is active
        using var mallory = KeyMaterial.Create(SignatureAlgorithm.EcdsaP256);
        int? version = null;
        try
        {
            version = (await CertificateAuthorityGrain.Reference(_cluster.Client).Certify("payments/0", SignatureAlgorithm.EcdsaP256, mallory.PublicKey)).Version;
        }
        catch (UnauthorizedAccessException)
        {
        }

        var before = (await _cluster.Client.GetGrain<IAccountAudit>("1").Snapshot()).Balance;
        var credit = new Envelope
        {
            Kind = EnvelopeKind.Credit, Sender = "payments/0", Recipient = "account/1", Sequence = 1,
            TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Payload = PaymentsJson.Encode(new LedgerRequest("forged-credit-1", 1000, "account/0", "customer/0")),
            KeyId = KeyIdSegments.With(KeyIdSegments.With("", "n", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))), "k",
                (version ?? 2).ToString(CultureInfo.InvariantCulture)),
        };
        var signature = new byte[KeyMaterial.SignatureSize];
        mallory.Sign(EnvelopeCodec.EncodeHeader(credit), signature);
        await _cluster.Hooks.InjectAsync("account/1", EncodeFrame(credit with { Tag = signature }));
        var after = (await _cluster.Client.GetGrain<IAccountAudit>("1").Snapshot()).Balance;

        // Before the CA checked who asks: version 2 was certified to the client's key and account/1 went from 1005 to 2005.
        Assert.Null(version);
        Assert.Equal(before, after); // the forged credit was refused: no certificate for mallory's key
        Assert.Contains(_cluster.Events.Events, e => (e.Layer, e.Reason, e.ClaimedSender, e.Recipient) == ("sign", "unknown-key", "payments/0", "account/1"));
    }

    [Fact]
    public async Task Only_the_hosting_silo_can_revoke_a_principals_key()
    {
        var (host, other) = await ActivateAsync(4);
        var key = await _cluster.SiloServices(host).GetRequiredService<KeyStore>().GetSigningKeyAsync("account/4");
        var revoked = 0;
        foreach (var ca in new[] { CertificateAuthorityGrain.Reference(_cluster.Client), CaFrom(other) })
        {
            try
            {
                await ca.Revoke("account/4", key.Version, RevocationReasons.Compromised);
                revoked++;
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        var revocations = await CaFrom(host).GetRevocations(0);
        Assert.Equal(0, revoked); // before: 2 (the client revoked the key, the other silo's repeat changed nothing)
        Assert.DoesNotContain(revocations.Revocations, r => r.Principal == "account/4");

        await _cluster.SiloServices(host).GetRequiredService<KeyStore>().RotateAsync("account/4", RevocationReasons.Compromised);
        Assert.Contains((await CaFrom(host).GetRevocations(0)).Revocations, r => (r.Principal, r.Version) == ("account/4", key.Version));
    }

    private static byte[] EncodeFrame(Envelope envelope) => EnvelopeCodec.Encode(envelope);
}
