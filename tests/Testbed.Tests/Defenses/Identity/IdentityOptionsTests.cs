using Testbed.Defenses.Identity;
using Xunit;

namespace Testbed.Tests.Defenses.Identity;

public sealed class IdentityOptionsTests
{
    private static IdentityOptions Parse(params (string Key, string Value)[] settings) =>
        IdentityOptions.FromSettings(settings.ToDictionary(s => s.Key, s => s.Value));

    [Fact]
    public void Defaults_are_ecdsa_p256_and_250ms()
    {
        var options = Parse();
        Assert.Equal(SignatureAlgorithm.EcdsaP256, options.Algorithm);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.RevocationPollInterval);
    }

    [Fact]
    public void Reads_algorithm_and_revocation_poll()
    {
        var options = Parse(("algorithm", "ed25519"), ("revocationPoll", "1.5s"));
        Assert.Equal(SignatureAlgorithm.Ed25519, options.Algorithm);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.RevocationPollInterval);
        Assert.Equal(SignatureAlgorithm.EcdsaP256, Parse(("algorithm", "ecdsa-p256")).Algorithm);
        Assert.Equal(TimeSpan.FromMilliseconds(1), Parse(("revocationPoll", "1ms")).RevocationPollInterval);
        Assert.Equal(TimeSpan.FromMinutes(10), Parse(("revocationPoll", "10m")).RevocationPollInterval);
    }

    [Theory]
    [InlineData("algorithm", "rsa", "algorithm")]
    [InlineData("algorithm", "Ed25519", "ecdsa-p256 or ed25519")]
    [InlineData("revocationPoll", "0ms", "revocationPoll")]
    [InlineData("revocationPoll", "11m", "between 1ms and 10m")]
    [InlineData("revocationPoll", "fast", "revocationPoll")]
    [InlineData("pollInterval", "1s", "pollInterval")]
    public void Rejects_unknown_keys_and_bad_values_naming_the_key(string key, string value, string mentioned)
    {
        var error = Assert.Throws<ArgumentException>(() => Parse((key, value)));
        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_set_in_code_are_validated_where_used()
    {
        var options = new IdentityOptions { RevocationPollInterval = TimeSpan.Zero };
        Assert.Throws<ArgumentException>(options.Validate);
        using var ca = new FakeCertificateAuthority(TimeProvider.System);
        Assert.Throws<ArgumentException>(() => new TrustStore(ca.AsGrain, options, TimeProvider.System));
        Assert.Throws<ArgumentException>(() => new KeyStore(ca.AsGrain, new IdentityOptions { Algorithm = (SignatureAlgorithm)9 }));
    }
}
