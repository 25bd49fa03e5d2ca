using Testbed.Scenarios;

namespace Testbed.Defenses.Identity;

/// <summary>Identity settings of a silo: which signature scheme principals' keys use and how often trust stores poll revocations.</summary>
public sealed class IdentityOptions
{
    /// <summary>Shortest revocation poll interval accepted.</summary>
    public static readonly TimeSpan MinRevocationPoll = TimeSpan.FromMilliseconds(1);

    /// <summary>Longest revocation poll interval accepted.</summary>
    public static readonly TimeSpan MaxRevocationPoll = TimeSpan.FromMinutes(10);

    /// <summary>The scheme of every principal's long-term key (setting <c>algorithm</c>: ecdsa-p256 | ed25519). Default ECDSA P-256.</summary>
    public SignatureAlgorithm Algorithm { get; init; } = SignatureAlgorithm.EcdsaP256;

    /// <summary>
    /// How often each silo's trust store asks the CA for new revocations (setting <c>revocationPoll</c>, e.g. 250ms, 1s).
    /// A revocation takes effect on a silo at its next poll: this bounds the propagation window. Default 250 ms.
    /// </summary>
    public TimeSpan RevocationPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The settings keys <see cref="FromSettings"/> reads.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["algorithm", "revocationPoll"];

    /// <summary>
    /// Parses scenario settings: <c>algorithm</c> (ecdsa-p256 | ed25519) and <c>revocationPoll</c> (a duration such as 250ms
    /// or 1s, between 1ms and 10m). Throws <see cref="ArgumentException"/> naming the key for unknown keys and bad values.
    /// </summary>
    public static IdentityOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var defaults = new IdentityOptions();
        var algorithm = defaults.Algorithm;
        var poll = defaults.RevocationPollInterval;
        foreach (var (key, value) in settings)
        {
            switch (key)
            {
                case "algorithm":
                    algorithm = ParseAlgorithm(key, value);
                    break;
                case "revocationPoll":
                    poll = ParsePoll(key, value);
                    break;
                default:
                    throw new ArgumentException($"unknown identity setting '{key}'; known: {string.Join(", ", Keys)}");
            }
        }

        return new IdentityOptions { Algorithm = algorithm, RevocationPollInterval = poll };
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a value set in code is out of range.</summary>
    public void Validate()
    {
        if (!SignatureAlgorithmNames.IsDefined(Algorithm))
        {
            throw new ArgumentException($"algorithm must be {SignatureAlgorithmNames.Allowed}");
        }

        if (RevocationPollInterval < MinRevocationPoll || RevocationPollInterval > MaxRevocationPoll)
        {
            throw new ArgumentException($"revocationPoll must be between 1ms and 10m, got {RevocationPollInterval}");
        }
    }

    internal static SignatureAlgorithm ParseAlgorithm(string key, string? value) =>
        SignatureAlgorithmNames.TryParse(value, out var algorithm)
            ? algorithm
            : throw new ArgumentException($"{key} must be {SignatureAlgorithmNames.Allowed}, got '{value}'");

    internal static TimeSpan ParsePoll(string key, string? value) =>
        ScenarioDuration.TryParse(value, out var poll) && poll >= MinRevocationPoll && poll <= MaxRevocationPoll
            ? poll
            : throw new ArgumentException($"{key} must be a duration between 1ms and 10m such as 250ms or 1s, got '{value}'");
}
