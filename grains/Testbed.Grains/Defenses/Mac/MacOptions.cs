namespace Testbed.Defenses.Mac;

/// <summary>Options of the <c>mac</c> defense. HMAC-SHA256 with a 32-byte tag is fixed; there is nothing to set yet.</summary>
public sealed record MacOptions
{
    /// <summary>The option keys <see cref="FromSettings"/> accepts (none).</summary>
    public static IReadOnlyList<string> Keys { get; } = [];

    /// <summary>Defaults as a scenario writes them (none: there are no keys).</summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Parses a scenario's raw option strings; the mac defense takes none, so any key is an <see cref="ArgumentException"/>.</summary>
    public static MacOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var key in settings.Keys)
        {
            throw new ArgumentException($"mac: unknown option '{key}'; the mac defense takes no options");
        }

        return new MacOptions();
    }
}
