using Testbed.Defenses.Identity;

namespace Testbed.Defenses.Sign;

/// <summary>
/// Options of the <c>sign</c> layer. <see cref="Algorithm"/> is the scheme the run's identities use (the layer refuses to
/// seal with a key of another scheme and rejects messages verified under one); <see cref="RevocationPollInterval"/> is
/// carried for the silo's identity registration (<see cref="ToIdentityOptions"/>).
/// </summary>
public sealed class SignOptions
{
    /// <summary>Signature scheme (setting <c>algorithm</c>: ecdsa-p256 | ed25519). Default ECDSA P-256.</summary>
    public SignatureAlgorithm Algorithm { get; init; } = SignatureAlgorithm.EcdsaP256;

    /// <summary>Trust stores' revocation poll interval (setting <c>revocationPoll</c>, 1ms..10m). Default 250 ms.</summary>
    public TimeSpan RevocationPollInterval { get; init; } = new IdentityOptions().RevocationPollInterval;

    /// <summary>The settings keys <see cref="FromSettings"/> reads.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["algorithm", "revocationPoll"];

    /// <summary>Each key's default as a scenario writes it, read from a default instance.</summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = DefaultsOf(new SignOptions());

    /// <summary>
    /// Parses a scenario's <c>sign</c> options: <c>algorithm</c> (ecdsa-p256 | ed25519) and <c>revocationPoll</c> (e.g. 250ms,
    /// 1s; 1ms..10m). Throws <see cref="ArgumentException"/> naming the key for unknown keys and bad values.
    /// </summary>
    public static SignOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var key in settings.Keys.Where(k => !Keys.Contains(k)))
        {
            throw new ArgumentException($"unknown sign option '{key}'; known: {string.Join(", ", Keys)}");
        }

        var identity = IdentityOptions.FromSettings(settings);
        return new SignOptions { Algorithm = identity.Algorithm, RevocationPollInterval = identity.RevocationPollInterval };
    }

    private static Dictionary<string, string> DefaultsOf(SignOptions o) => new(StringComparer.Ordinal)
    {
        ["algorithm"] = SignatureAlgorithmNames.Name(o.Algorithm),
        ["revocationPoll"] = Testbed.Scenarios.ScenarioDuration.Format(o.RevocationPollInterval),
    };

    /// <summary>The identity options a silo running this layer should be registered with (<c>AddTestbedIdentity</c>).</summary>
    public IdentityOptions ToIdentityOptions() => new() { Algorithm = Algorithm, RevocationPollInterval = RevocationPollInterval };
}
