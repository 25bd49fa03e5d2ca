using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Testbed.Defenses.Identity;
using Xunit;

namespace Testbed.Tests.Defenses.Identity;

public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(IdentityWorld.Start);
    private readonly CertificateAuthority _ca;

    public CertificateAuthorityTests() => _ca = new CertificateAuthority(_time);

    public void Dispose() => _ca.Dispose();

    private static byte[] PublicKeyOf(SignatureAlgorithm algorithm)
    {
        using var key = KeyMaterial.Create(algorithm);
        return key.PublicKey;
    }

    [Fact]
    public void Find_answers_the_certificate_asked_for_and_the_principals_newest_version()
    {
        Assert.Equal(new CertificateAnswer(null, 0), _ca.Find("account/1", 1));
        var first = _ca.Certify("account/1", SignatureAlgorithm.EcdsaP256, PublicKeyOf(SignatureAlgorithm.EcdsaP256));
        var second = _ca.Certify("account/1", SignatureAlgorithm.EcdsaP256, PublicKeyOf(SignatureAlgorithm.EcdsaP256));

        Assert.Equal(new CertificateAnswer(first, 2), _ca.Find("account/1", 1));
        Assert.Equal(new CertificateAnswer(second, 2), _ca.Find("account/1", 2));
        Assert.Equal(new CertificateAnswer(null, 2), _ca.Find("account/1", 999));
        Assert.Equal(new CertificateAnswer(null, 0), _ca.Find("account/2", 1));
    }

    [Theory]
    [InlineData(SignatureAlgorithm.EcdsaP256)]
    [InlineData(SignatureAlgorithm.Ed25519)]
    public void Issues_certificates_the_CA_key_verifies(SignatureAlgorithm algorithm)
    {
        var publicKey = PublicKeyOf(algorithm);
        var certificate = _ca.Certify("account/1", algorithm, publicKey);

        Assert.Equal("account/1", certificate.Principal);
        Assert.Equal(1, certificate.Version);
        Assert.Equal(algorithm, certificate.Algorithm);
        Assert.Equal(publicKey, certificate.PublicKey);
        Assert.Equal(IdentityWorld.Start.ToUnixTimeMilliseconds(), certificate.IssuedAtMs);
        Assert.Equal(64, certificate.CaSignature.Length);
        Assert.True(new CertificateValidator(_ca.Info).IsIssuedByCa(certificate));

        // Independently of the validator: the CA signature is ECDSA P-256 / SHA-256 / P1363 over ToBeSigned().
        using var caKey = ECDsa.Create();
        caKey.ImportSubjectPublicKeyInfo(_ca.Info.PublicKey, out _);
        Assert.True(caKey.VerifyData(certificate.ToBeSigned(), certificate.CaSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void Versions_increase_per_principal_and_serials_overall()
    {
        var a1 = _ca.Certify("a", SignatureAlgorithm.EcdsaP256, PublicKeyOf(SignatureAlgorithm.EcdsaP256));
        var b1 = _ca.Certify("b", SignatureAlgorithm.Ed25519, PublicKeyOf(SignatureAlgorithm.Ed25519));
        _time.Advance(TimeSpan.FromSeconds(1));
        var a2 = _ca.Certify("a", SignatureAlgorithm.EcdsaP256, PublicKeyOf(SignatureAlgorithm.EcdsaP256));

        Assert.Equal((1, 1, 2), (a1.Version, b1.Version, a2.Version));
        Assert.Equal((1L, 2L, 3L), (a1.Serial, b1.Serial, a2.Serial));
        Assert.Equal(a1.IssuedAtMs + 1000, a2.IssuedAtMs);
        Assert.Equal(2, _ca.CurrentVersion("a"));
        Assert.Same(a1, _ca.GetCertificate("a", 1));
        Assert.Same(a2, _ca.GetCertificate("a", 2));
        Assert.Null(_ca.GetCertificate("a", 3));
        Assert.Null(_ca.GetCertificate("a", 0));
        Assert.Null(_ca.GetCertificate("nobody", 1));
    }

    public static TheoryData<string> Tamperings() => ["principal", "version", "algorithm", "public-key", "issued-at", "serial", "signature"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void A_tampered_certificate_is_not_issued_by_the_CA(string field)
    {
        var genuine = _ca.Certify("account/1", SignatureAlgorithm.Ed25519, PublicKeyOf(SignatureAlgorithm.Ed25519));
        var validator = new CertificateValidator(_ca.Info);
        Assert.True(validator.IsIssuedByCa(genuine));

        var tampered = field switch
        {
            "principal" => genuine with { Principal = "account/2" },
            "version" => genuine with { Version = 2 },
            "algorithm" => genuine with { Algorithm = SignatureAlgorithm.EcdsaP256 },
            "public-key" => genuine with { PublicKey = PublicKeyOf(SignatureAlgorithm.Ed25519) },
            "issued-at" => genuine with { IssuedAtMs = genuine.IssuedAtMs + 1 },
            "serial" => genuine with { Serial = genuine.Serial + 1 },
            _ => genuine with { CaSignature = Flip(genuine.CaSignature, 10) },
        };

        Assert.False(validator.IsIssuedByCa(tampered));
        Assert.Null(validator.TryCreateVerifier(tampered));
    }

    [Fact]
    public void A_certificate_from_another_CA_is_not_trusted()
    {
        using var rogue = new CertificateAuthority(_time);
        var forged = rogue.Certify("account/1", SignatureAlgorithm.EcdsaP256, PublicKeyOf(SignatureAlgorithm.EcdsaP256));

        Assert.False(new CertificateValidator(_ca.Info).IsIssuedByCa(forged));
        Assert.True(new CertificateValidator(rogue.Info).IsIssuedByCa(forged));
    }

    [Fact]
    public void Rejects_ids_and_keys_that_are_not_valid()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var ed = PublicKeyOf(SignatureAlgorithm.Ed25519);
        var ecdsa = PublicKeyOf(SignatureAlgorithm.EcdsaP256);

        Assert.Throws<ArgumentException>(() => _ca.Certify("Not Valid", SignatureAlgorithm.Ed25519, ed));
        Assert.Throws<ArgumentException>(() => _ca.Certify("", SignatureAlgorithm.Ed25519, ed));
        Assert.Throws<ArgumentException>(() => _ca.Certify("a", SignatureAlgorithm.Ed25519, ecdsa));
        Assert.Throws<ArgumentException>(() => _ca.Certify("a", SignatureAlgorithm.EcdsaP256, ed));
        Assert.Throws<ArgumentException>(() => _ca.Certify("a", SignatureAlgorithm.EcdsaP256, p384.ExportSubjectPublicKeyInfo()));
        Assert.Throws<ArgumentException>(() => _ca.Certify("a", SignatureAlgorithm.EcdsaP256, [.. ecdsa, 0]));
        Assert.Throws<ArgumentException>(() => _ca.Certify("a", SignatureAlgorithm.Ed25519, ed[..31]));
        Assert.Throws<ArgumentException>(() => _ca.Certify("a", (SignatureAlgorithm)7, ed));
        Assert.Equal(0, _ca.CurrentVersion("a"));
    }

    [Fact]
    public void Revocations_advance_the_epoch_once_each_and_are_listed_incrementally()
    {
        var ed = SignatureAlgorithm.Ed25519;
        _ca.Certify("a", ed, PublicKeyOf(ed));
        _ca.Certify("a", ed, PublicKeyOf(ed));
        _ca.Certify("b", ed, PublicKeyOf(ed));
        Assert.Equal(0, _ca.RevocationEpoch);

        Assert.True(_ca.Revoke("a", 1, RevocationReasons.Rotated));
        _time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.True(_ca.Revoke("b", 1, RevocationReasons.Compromised));
        Assert.False(_ca.Revoke("b", 1, "again"));
        Assert.Equal(2, _ca.RevocationEpoch);

        var all = _ca.GetRevocations(0);
        Assert.Equal(2, all.Epoch);
        Assert.Equal([("a", 1, "rotated", 1L), ("b", 1, "compromised", 2L)], all.Revocations.Select(r => (r.Principal, r.Version, r.Reason, r.Epoch)));
        Assert.Equal(all.Revocations[0].RevokedAtMs + 5, all.Revocations[1].RevokedAtMs);

        var later = _ca.GetRevocations(1);
        Assert.Equal(2, later.Epoch);
        Assert.Equal("b", Assert.Single(later.Revocations).Principal);
        Assert.Empty(_ca.GetRevocations(2).Revocations);
        Assert.Equal("compromised", _ca.GetRevocation("b", 1)?.Reason);
        Assert.Null(_ca.GetRevocation("a", 2));
        Assert.NotNull(_ca.GetCertificate("a", 1));
    }

    [Fact]
    public void Revoking_an_unknown_key_or_without_a_reason_fails()
    {
        _ca.Certify("a", SignatureAlgorithm.Ed25519, PublicKeyOf(SignatureAlgorithm.Ed25519));
        Assert.Throws<ArgumentException>(() => _ca.Revoke("a", 2, "rotated"));
        Assert.Throws<ArgumentException>(() => _ca.Revoke("z", 1, "rotated"));
        Assert.Throws<ArgumentException>(() => _ca.Revoke("a", 1, ""));
        Assert.Throws<ArgumentException>(() => _ca.Revoke("a", 1, new string('x', CertificateAuthority.MaxReasonLength + 1)));
        Assert.Equal(0, _ca.RevocationEpoch);
    }

    [Fact]
    public void The_signed_encoding_is_canonical_and_length_prefixed()
    {
        var key = new byte[] { 0xAA, 0xBB };
        var bytes = CertificateEncoding.Encode("ab", 3, SignatureAlgorithm.Ed25519, key, 0x0102030405060708, 9);
        byte[] expected =
        [
            .. "testbed-certificate-v1"u8.ToArray(),
            2, (byte)'a', (byte)'b',
            0, 0, 0, 3,
            1,
            0, 2, 0xAA, 0xBB,
            1, 2, 3, 4, 5, 6, 7, 8,
            0, 0, 0, 0, 0, 0, 0, 9,
        ];
        Assert.Equal(expected, bytes);
        // Moving a byte between adjacent fields changes the encoding (no ambiguity).
        Assert.NotEqual(bytes, CertificateEncoding.Encode("a", 3, SignatureAlgorithm.Ed25519, [(byte)'b', 0xAA, 0xBB], 0x0102030405060708, 9));
    }

    private static byte[] Flip(byte[] bytes, int index)
    {
        var copy = bytes.ToArray();
        copy[index] ^= 0x01;
        return copy;
    }
}
