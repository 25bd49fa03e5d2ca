using System.Globalization;
using System.Text.RegularExpressions;

namespace Testbed.Scenarios;

/// <summary>
/// Duration strings of scenario files: a non-negative decimal number followed by <c>ms</c>, <c>s</c> or <c>m</c>,
/// for example <c>500ms</c>, <c>10s</c>, <c>1.5s</c>, <c>2m</c>.
/// </summary>
public static partial class ScenarioDuration
{
    /// <summary>Parses a duration string; false when it is not of the form described on the type.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (text is null)
        {
            return false;
        }

        var match = Pattern().Match(text);
        if (!match.Success
            || !decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        long unitTicks = match.Groups[2].Value switch
        {
            "ms" => TimeSpan.TicksPerMillisecond,
            "s" => TimeSpan.TicksPerSecond,
            _ => TimeSpan.TicksPerMinute,
        };

        if (number > (decimal)TimeSpan.MaxValue.Ticks / unitTicks)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)Math.Round(number * unitTicks, MidpointRounding.AwayFromZero));
        return true;
    }

    /// <summary>Writes a non-negative duration in the largest unit that represents it exactly; <see cref="TryParse"/> reads it back.</summary>
    public static string Format(TimeSpan value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
        var ticks = value.Ticks;
        if (ticks % TimeSpan.TicksPerMinute == 0 && ticks != 0)
        {
            return (ticks / TimeSpan.TicksPerMinute).ToString(CultureInfo.InvariantCulture) + "m";
        }

        if (ticks % TimeSpan.TicksPerSecond == 0)
        {
            return (ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "s";
        }

        var milliseconds = (decimal)ticks / TimeSpan.TicksPerMillisecond;
        return milliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
    }

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(ms|s|m)\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
