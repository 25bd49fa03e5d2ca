using Testbed.Defenses.Replay;
using Xunit;

namespace Testbed.Tests.Defenses.Replay;

public class ReplayOptionsTests
{
    [Fact]
    public void Defaults()
    {
        var o = ReplayOptions.FromSettings(new Dictionary<string, string>());
        Assert.Equal(ReplayMode.Window, o.Mode);
        Assert.Equal(8192, o.WindowSize);
        Assert.Equal(TimeSpan.FromSeconds(30), o.Window);
        Assert.Equal(TimeSpan.FromSeconds(2), o.Tolerance);
        Assert.Equal(100_000, o.CacheSize);
        Assert.Null(o.SenderQuota);
        Assert.Equal(25_000, o.EffectiveSenderQuota);
        Assert.Equal(1, new ReplayOptions { Mode = ReplayMode.Timestamp, CacheSize = 3 }.EffectiveSenderQuota);
    }

    [Fact]
    public void Reads_every_key()
    {
        Assert.Equal(1024, ReplayOptions.FromSettings(new Dictionary<string, string> { ["mode"] = "window", ["windowSize"] = "1024" }).WindowSize);
        var t = ReplayOptions.FromSettings(new Dictionary<string, string>
        {
            ["mode"] = "timestamp", ["window"] = "10s", ["tolerance"] = "500ms", ["cacheSize"] = "5000",
        });
        Assert.Equal((ReplayMode.Timestamp, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500), 5000), (t.Mode, t.Window, t.Tolerance, t.CacheSize));
        Assert.Equal(10_500, t.MaxAgeMs);
        var q = ReplayOptions.FromSettings(new Dictionary<string, string> { ["mode"] = "timestamp", ["cacheSize"] = "5000", ["senderQuota"] = "5000" });
        Assert.Equal((5000, 5000), (q.SenderQuota, q.EffectiveSenderQuota));
    }

    [Theory]
    [InlineData("colour", "red", "'colour'")]
    [InlineData("mode", "sequence", "window or timestamp")]
    [InlineData("windowSize", "1000", "power of two")]
    [InlineData("windowSize", "32", "power of two")]
    [InlineData("windowSize", "big", "'windowSize'")]
    [InlineData("window", "10", "'window'")]
    [InlineData("cacheSize", "0", "'cacheSize'")]
    [InlineData("senderQuota", "0", "'senderQuota' must be in 1..cacheSize (100000), not 0")]
    [InlineData("senderQuota", "100001", "'senderQuota' must be in 1..cacheSize (100000)")]
    [InlineData("senderQuota", "half", "'senderQuota' must be an integer")]
    public void Rejects_bad_settings_naming_the_key(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string> { [key] = value };
        if (key is "window" or "cacheSize" or "senderQuota")
        {
            settings["mode"] = "timestamp";
        }

        var error = Assert.Throws<ArgumentException>(() => ReplayOptions.FromSettings(settings));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_keys_of_the_other_mode()
    {
        var error = Assert.Throws<ArgumentException>(() => ReplayOptions.FromSettings(new Dictionary<string, string> { ["cacheSize"] = "10" }));
        Assert.Contains("'cacheSize' applies only to mode timestamp", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => ReplayOptions.FromSettings(new Dictionary<string, string> { ["senderQuota"] = "10" }));
        Assert.Contains("'senderQuota' applies only to mode timestamp", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => ReplayOptions.FromSettings(new Dictionary<string, string> { ["mode"] = "timestamp", ["windowSize"] = "128" }));
        Assert.Contains("'windowSize' applies only to mode window", error.Message, StringComparison.Ordinal);
    }
}
