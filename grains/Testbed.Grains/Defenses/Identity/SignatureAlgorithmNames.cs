namespace Testbed.Defenses.Identity;

/// <summary>The names scenario files use for <see cref="SignatureAlgorithm"/>: <c>ecdsa-p256</c> and <c>ed25519</c>.</summary>
public static class SignatureAlgorithmNames
{
    /// <summary>The allowed names, for error messages.</summary>
    public const string Allowed = "ecdsa-p256 or ed25519";

    /// <summary>The name of <paramref name="algorithm"/>.</summary>
    public static string Name(SignatureAlgorithm algorithm) => algorithm switch
    {
        SignatureAlgorithm.EcdsaP256 => "ecdsa-p256",
        SignatureAlgorithm.Ed25519 => "ed25519",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "not a signature algorithm"),
    };

    /// <summary>Parses a name (exact, lower case); false for anything else.</summary>
    public static bool TryParse(string? text, out SignatureAlgorithm algorithm)
    {
        switch (text)
        {
            case "ecdsa-p256":
                algorithm = SignatureAlgorithm.EcdsaP256;
                return true;
            case "ed25519":
                algorithm = SignatureAlgorithm.Ed25519;
                return true;
            default:
                algorithm = default;
                return false;
        }
    }

    /// <summary>True for the defined algorithms.</summary>
    public static bool IsDefined(SignatureAlgorithm algorithm) => algorithm is SignatureAlgorithm.EcdsaP256 or SignatureAlgorithm.Ed25519;
}
