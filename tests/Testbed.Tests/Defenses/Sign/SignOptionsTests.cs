using Testbed.Defenses.Identity;
using Testbed.Defenses.Sign;
using Xunit;

namespace Testbed.Tests.Defenses.Sign;

public sealed class SignOptionsTests
{
    private static SignOptions Parse(params (string Key, string Value)[] settings) =>
        SignOptions.FromSettings(settings.ToDictionary(s => s.Key, s => s.Value));

    [Fact]
    public void Defaults_match_the_identity_defaults()
    {
        var options = Parse();
        Assert.Equal(SignatureAlgorithm.EcdsaP256, options.Algorithm);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.RevocationPollInterval);
    }

    [Fact]
    public void Reads_algorithm_and_revocation_poll_and_hands_them_to_the_identity_registration()
    {
        var options = Parse(("algorithm", "ed25519"), ("revocationPoll", "1s"));
        Assert.Equal(SignatureAlgorithm.Ed25519, options.Algorithm);
        var identity = options.ToIdentityOptions();
        Assert.Equal((SignatureAlgorithm.Ed25519, TimeSpan.FromSeconds(1)), (identity.Algorithm, identity.RevocationPollInterval));
    }

    [Theory]
    [InlineData("algorithm", "ecdsa", "algorithm")]
    [InlineData("revocationPoll", "-1s", "revocationPoll")]
    [InlineData("window", "5", "window")]
    public void Rejects_unknown_keys_and_bad_values_naming_the_key(string key, string value, string mentioned)
    {
        var error = Assert.Throws<ArgumentException>(() => Parse((key, value)));
        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
    }
}
