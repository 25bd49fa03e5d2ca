using Testbed.Defenses;
using Testbed.Defenses.Encrypt;
using Testbed.Defenses.Mac;
using Testbed.Defenses.Session;
using Testbed.Tests.Defenses.Session.Fakes;
using Xunit;

namespace Testbed.Tests.Defenses.Session;

public sealed class SessionOptionsTests
{
    private static SessionOptions Parse(params (string Key, string Value)[] settings) =>
        SessionOptions.FromSettings(settings.ToDictionary(s => s.Key, s => s.Value));

    [Fact]
    public void DefaultsAreP256AHundredThousandMessagesAndTenMinutes()
    {
        var options = Parse();

        Assert.Equal(SessionKeyAgreement.P256, options.KeyAgreement);
        Assert.Equal(100_000, options.RekeyAfterMessages);
        Assert.Equal(TimeSpan.FromMinutes(10), options.RekeyAfter);
        Assert.Equal(TimeSpan.FromMinutes(1), options.RekeyGrace);
        Assert.Equal(TimeSpan.FromMinutes(5), options.HandshakeWindow);
        Assert.Null(options.Offer);
        Assert.Null(options.Require);
    }

    [Fact]
    public void EveryKeyParses()
    {
        var options = Parse(("keyAgreement", "x25519"), ("rekeyAfterMessages", "500"), ("rekeyAfter", "30s"),
            ("rekeyGrace", "250ms"), ("handshakeWindow", "1500ms"), ("offer", "encrypt, mac"), ("require", ""));

        Assert.Equal(SessionKeyAgreement.X25519, options.KeyAgreement);
        Assert.Equal(500, options.RekeyAfterMessages);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RekeyAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.RekeyGrace);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.HandshakeWindow);
        Assert.Equal(["encrypt", "mac"], options.Offer);
        Assert.Equal([], options.Require);
    }

    [Fact]
    public void StaticKeyAgreementIsTheWeakContrastMode() =>
        Assert.Equal(SessionKeyAgreement.Static, Parse(("keyAgreement", "static")).KeyAgreement);

    [Theory]
    [InlineData("keyAgreement", "p384", "p256, x25519, static")]
    [InlineData("rekeyAfterMessages", "0", "1 to")]
    [InlineData("rekeyAfterMessages", "-5", "1 to")]
    [InlineData("rekeyAfterMessages", "lots", "1 to")]
    [InlineData("rekeyAfter", "10", "duration")]
    [InlineData("rekeyAfter", "0ms", "at least 1ms")]
    [InlineData("rekeyGrace", "soon", "duration")]
    [InlineData("handshakeWindow", "1h", "duration")]
    [InlineData("offer", "encrypt;mac", "[a-z0-9-]")]
    [InlineData("require", "Encrypt", "[a-z0-9-]")]
    [InlineData("ttl", "1", "keyAgreement, rekeyAfterMessages")]
    public void BadValuesNameTheKeyAndWhatIsAllowed(string key, string value, string allowed)
    {
        var error = Assert.Throws<ArgumentException>(() => Parse((key, value)));

        Assert.Contains($"'{key}'", error.Message);
        Assert.Contains(allowed, error.Message);
    }

    [Theory]
    [InlineData("encrypt+mac", "encrypt,mac", "encrypt,mac")]
    [InlineData("mac", "mac", "mac")]
    [InlineData("", "", "")]
    public void TheDefaultOfferAndRequirementAreTheProtectionLayersOfThePipeline(string stack, string offer, string require)
    {
        var h = new SessionHarness();
        var layer = Assert.IsType<SessionLayer>(SessionHarness.Stack(stack).Build(h.Environment).Layers.Single(l => l.Name == "session"));

        Assert.Equal(offer, string.Join(',', layer.Offer));
        Assert.Equal(require, string.Join(',', layer.Require));
    }

    [Fact]
    public void AnOfferTheBuiltPipelineCannotHonourIsAConfigurationError()
    {
        var h = new SessionHarness();
        var absent = SessionHarness.Stack("mac", new SessionOptions { Offer = ["encrypt", "mac"] });
        var unoffered = SessionHarness.Stack("encrypt+mac", new SessionOptions { Offer = ["mac"], Require = ["encrypt"] });

        Assert.Contains("'encrypt'", Assert.Throws<ArgumentException>(() => absent.Build(h.Environment)).Message);
        Assert.Contains("'require'", Assert.Throws<ArgumentException>(() => unoffered.Build(h.Environment)).Message);
    }

    [Fact]
    public void TheLayerOrderPutsMacOutermost()
    {
        var h = new SessionHarness();
        var pipeline = new DefensePipelineBuilder().AddMac().AddEncrypt().AddSession().Build(h.Environment);

        Assert.Equal(["mac", "session", "encrypt"], pipeline.Names);
        Assert.Equal(DefenseStage.Channel, pipeline.Layers.Single(l => l.Name == "session").Stage);
    }
}
