using CsCheck;
using Testbed.Scenarios;
using Xunit;
using static Testbed.Tests.Scenarios.ScenarioTestSupport;

namespace Testbed.Tests.Scenarios;

public class ScenarioDurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("0s", 0)]
    [InlineData("0.25ms", 0.25)]
    [InlineData("007s", 7_000)]
    public void Valid_durations_parse(string text, double milliseconds)
    {
        Assert.True(ScenarioDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("10h")]
    [InlineData("10S")]
    [InlineData("-1s")]
    [InlineData("+1s")]
    [InlineData("1.s")]
    [InlineData(".5s")]
    [InlineData(" 10s")]
    [InlineData("10 s")]
    [InlineData("10s\n")]
    [InlineData("1e3ms")]
    [InlineData("1,5s")]
    [InlineData("ms")]
    [InlineData("99999999999999999999999999m")]
    public void Malformed_durations_are_rejected(string? text)
    {
        Assert.False(ScenarioDuration.TryParse(text, out _));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(120_000, "2m")]
    [InlineData(90_000, "90s")]
    [InlineData(1_500, "1500ms")]
    [InlineData(0.5, "0.5ms")]
    public void Format_uses_the_largest_exact_unit(double milliseconds, string expected)
    {
        Assert.Equal(expected, ScenarioDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Fact]
    public void Format_then_parse_round_trips_every_non_negative_duration()
    {
        Gen.Long[0, TimeSpan.MaxValue.Ticks].Sample(ticks =>
        {
            var duration = TimeSpan.FromTicks(ticks);
            return ScenarioDuration.TryParse(ScenarioDuration.Format(duration), out var back) && back == duration;
        });
    }

    [Fact]
    public void Bad_workload_duration_in_a_file_is_reported_at_the_value()
    {
        SingleError(Yaml("name: x", "seed: 1", "workload:", "  duration: 10 seconds"), 4, 13, "expected a duration such as 500ms, 10s or 2m, found '10 seconds'");
    }

    [Fact]
    public void Quoted_duration_is_accepted()
    {
        Assert.Equal(TimeSpan.FromMinutes(2), Parse(Yaml("name: x", "seed: 1", "workload:", "  duration: '2m'")).Workload.Duration);
    }
}
