using Testbed.Defenses.RateLimit;
using Xunit;

namespace Testbed.Tests.Defenses.RateLimit;

public class RateLimitOptionsTests
{
    [Fact]
    public void Defaults_and_every_key()
    {
        var d = RateLimitOptions.FromSettings(new Dictionary<string, string>());
        Assert.Equal((1000d, 200, 256, 20, TimeSpan.FromSeconds(5), 100_000), (d.Rate, d.Burst, d.Concurrency, d.Strikes, d.BlockFor, d.MaxSenders));
        var o = RateLimitOptions.FromSettings(new Dictionary<string, string>
        {
            ["rate"] = "2.5", ["burst"] = "10", ["concurrency"] = "4", ["strikes"] = "7", ["blockFor"] = "750ms", ["maxSenders"] = "50",
        });
        Assert.Equal((2.5, 10, 4, 7, TimeSpan.FromMilliseconds(750), 50), (o.Rate, o.Burst, o.Concurrency, o.Strikes, o.BlockFor, o.MaxSenders));
    }

    [Theory]
    [InlineData("speed", "1", "'speed'")]
    [InlineData("rate", "0", "'rate'")]
    [InlineData("rate", "-1", "'rate'")]
    [InlineData("rate", "fast", "'rate'")]
    [InlineData("burst", "0", "'burst' must be an integer in 1..1000000")]
    [InlineData("concurrency", "many", "'concurrency'")]
    [InlineData("strikes", "1001", "'strikes' must be an integer in 1..1000")]
    [InlineData("blockFor", "5", "'blockFor'")]
    [InlineData("blockFor", "0s", "'blockFor' must be in 1ms..1h")]
    [InlineData("maxSenders", "0", "'maxSenders'")]
    public void Rejects_bad_settings_naming_the_key(string key, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => RateLimitOptions.FromSettings(new Dictionary<string, string> { [key] = value }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
