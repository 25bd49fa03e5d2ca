namespace Testbed.Defenses.Encrypt;

/// <summary>The AEAD the <c>encrypt</c> defense uses.</summary>
public enum EncryptAlgorithm
{
    /// <summary>AES-256-GCM with a 16-byte tag (System.Security.Cryptography.AesGcm).</summary>
    AesGcm,
    /// <summary>ChaCha20-Poly1305 (System.Security.Cryptography.ChaCha20Poly1305).</summary>
    ChaCha20Poly1305,
}

/// <summary>Options of the <c>encrypt</c> defense.</summary>
public sealed record EncryptOptions
{
    /// <summary>The AEAD. Default AES-256-GCM. Both ends of a session must use the same one.</summary>
    public EncryptAlgorithm Algorithm { get; init; } = EncryptAlgorithm.AesGcm;

    // The scenario names of the algorithms: parsed by FromSettings, written by Defaults (initialized before it).
    private static readonly (string Name, EncryptAlgorithm Value)[] AlgorithmNames = [("aes-gcm", EncryptAlgorithm.AesGcm), ("chacha20-poly1305", EncryptAlgorithm.ChaCha20Poly1305)];

    /// <summary>The option keys <see cref="FromSettings"/> accepts.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["algorithm"];

    /// <summary>Each key's default as a scenario writes it, read from a default instance.</summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { ["algorithm"] = AlgorithmNames.Single(n => n.Value == new EncryptOptions().Algorithm).Name };

    /// <summary>
    /// Parses a scenario's raw option strings: algorithm (aes-gcm | chacha20-poly1305).
    /// Throws <see cref="ArgumentException"/> naming the key and the allowed values.
    /// </summary>
    public static EncryptOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new EncryptOptions();
        foreach (var (key, value) in settings)
        {
            options = key switch
            {
                "algorithm" => options with
                {
                    Algorithm = AlgorithmNames.Where(n => n.Name == value).Select(n => (EncryptAlgorithm?)n.Value).FirstOrDefault()
                        ?? throw new ArgumentException($"encrypt: option 'algorithm' is '{value}'; allowed: {string.Join(", ", AlgorithmNames.Select(n => n.Name))}"),
                },
                _ => throw new ArgumentException($"encrypt: unknown option '{key}'; allowed: {string.Join(", ", Keys)}"),
            };
        }

        return options;
    }
}
