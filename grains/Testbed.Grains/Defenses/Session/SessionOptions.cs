using System.Globalization;
using Testbed.Scenarios;

namespace Testbed.Defenses.Session;

/// <summary>The key agreement a session handshake uses (its value is the handshake's key agreement byte).</summary>
public enum SessionKeyAgreement : byte
{
    /// <summary>Ephemeral ECDH over NIST P-256 (System.Security.Cryptography.ECDiffieHellman): forward secret.</summary>
    P256 = 1,
    /// <summary>Ephemeral X25519 (NSec.Cryptography): forward secret.</summary>
    X25519 = 2,
    /// <summary>
    /// DELIBERATELY WEAK, for contrast: static-static ECDH P-256 between the two principals' long-term key-agreement keys
    /// (<see cref="Testbed.Defenses.Identity.IStaticKeyAgreement"/>), the handshake still signed by both. No forward secrecy: whoever later
    /// holds either principal's long-term key and a recorded handshake derives that session's keys. Option value <c>static</c>.
    /// </summary>
    Static = 3,
}

/// <summary>Options of the <c>session</c> defense (authenticated key exchange per pair of principals).</summary>
public sealed record SessionOptions
{
    /// <summary>Largest accepted <see cref="RekeyAfterMessages"/>.</summary>
    public const long MaxRekeyAfterMessages = 1L << 48;

    /// <summary>
    /// Key agreement of the handshakes this endpoint starts. A responder accepts P-256 and X25519 from anyone, and
    /// <see cref="SessionKeyAgreement.Static"/> only when it uses static itself (otherwise <c>downgrade</c>: a static
    /// session would give up the responder's forward secrecy). Default P-256.
    /// </summary>
    public SessionKeyAgreement KeyAgreement { get; init; } = SessionKeyAgreement.P256;

    /// <summary>
    /// The initiator starts a new session once this many requests were sent on the current one; a responder accepts no
    /// more than this many on a session (<c>session-expired</c>). Default 100 000.
    /// </summary>
    public long RekeyAfterMessages { get; init; } = 100_000;

    /// <summary>
    /// The initiator starts a new session once the current one is this old. Default 10 minutes. The responder refuses
    /// requests on a session once it is <see cref="RekeyAfter"/> + <see cref="RekeyGrace"/> old (by its own clock), and
    /// once it has accepted <see cref="RekeyAfterMessages"/> requests on it: <c>session-expired</c>.
    /// </summary>
    public TimeSpan RekeyAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How much longer than <see cref="RekeyAfter"/> a responder still accepts requests on a session: room for the
    /// handshake's reply leg (the responder's clock starts first), requests in flight when the initiator rekeyed, and
    /// clocks that run at slightly different rates. Default 1 minute (as WireGuard rejects 60 s after it rekeys).
    /// </summary>
    public TimeSpan RekeyGrace { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A responder refuses a handshake whose timestamp is further than this from its own clock, and remembers the
    /// initiator randoms it accepted for this long (so a recorded handshake cannot be replayed). Default 5 minutes.
    /// </summary>
    public TimeSpan HandshakeWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Protections offered (as initiator) and supported (as responder), e.g. {"encrypt","mac"}; each must be a layer of
    /// the same pipeline. Null: the protection layers present in the pipeline.
    /// </summary>
    public IReadOnlyList<string>? Offer { get; init; }

    /// <summary>
    /// Protections a negotiated session must include (whichever side started it). Null: the offer.
    /// Must be a subset of <see cref="Offer"/>.
    /// </summary>
    public IReadOnlyList<string>? Require { get; init; }

    // The scenario names of the key agreements: parsed by FromSettings, written by Defaults (initialized before it).
    private static readonly (string Name, SessionKeyAgreement Value)[] AgreementNames =
        [("p256", SessionKeyAgreement.P256), ("x25519", SessionKeyAgreement.X25519), ("static", SessionKeyAgreement.Static)];

    /// <summary>The option keys <see cref="FromSettings"/> accepts.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["keyAgreement", "rekeyAfterMessages", "rekeyAfter", "rekeyGrace", "handshakeWindow", "offer", "require"];

    /// <summary>Each key's default as a scenario writes it, read from a default instance; <c>offer</c> and <c>require</c> have none (the protection layers present).</summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = DefaultsOf(new SessionOptions());

    /// <summary>
    /// Parses a scenario's raw option strings: keyAgreement (p256 | x25519 | static), rekeyAfterMessages (1..2^48),
    /// rekeyAfter, rekeyGrace and handshakeWindow (durations such as 10m, 30s, 500ms; at least 1ms), offer and require
    /// (comma-separated protection names, may be empty). Throws <see cref="ArgumentException"/> naming the key.
    /// </summary>
    public static SessionOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new SessionOptions();
        foreach (var (key, value) in settings)
        {
            options = key switch
            {
                "keyAgreement" => options with { KeyAgreement = ParseKeyAgreement(value) },
                "rekeyAfterMessages" => options with { RekeyAfterMessages = ParseCount(key, value) },
                "rekeyAfter" => options with { RekeyAfter = ParseDuration(key, value) },
                "rekeyGrace" => options with { RekeyGrace = ParseDuration(key, value) },
                "handshakeWindow" => options with { HandshakeWindow = ParseDuration(key, value) },
                "offer" => options with { Offer = ParseNames(key, value) },
                "require" => options with { Require = ParseNames(key, value) },
                _ => throw new ArgumentException($"session: unknown option '{key}'; allowed: {string.Join(", ", Keys)}"),
            };
        }

        return options;
    }

    /// <summary>True when <paramref name="name"/> can name a protection: 1..16 characters of [a-z0-9-].</summary>
    public static bool IsValidProtectionName(string name) =>
        name.Length is >= 1 and <= ProtectionSet.MaxNameLength && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    private static SessionKeyAgreement ParseKeyAgreement(string value) =>
        AgreementNames.Where(n => n.Name == value).Select(n => (SessionKeyAgreement?)n.Value).FirstOrDefault()
            ?? throw new ArgumentException($"session: option 'keyAgreement' is '{value}'; allowed: p256, x25519, static (no forward secrecy, for contrast)");

    private static Dictionary<string, string> DefaultsOf(SessionOptions o) => new(StringComparer.Ordinal)
    {
        ["keyAgreement"] = AgreementNames.Single(n => n.Value == o.KeyAgreement).Name,
        ["rekeyAfterMessages"] = o.RekeyAfterMessages.ToString(CultureInfo.InvariantCulture),
        ["rekeyAfter"] = ScenarioDuration.Format(o.RekeyAfter),
        ["rekeyGrace"] = ScenarioDuration.Format(o.RekeyGrace),
        ["handshakeWindow"] = ScenarioDuration.Format(o.HandshakeWindow),
    };

    private static long ParseCount(string key, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= MaxRekeyAfterMessages
            ? count
            : throw new ArgumentException($"session: option '{key}' is '{value}'; allowed: a whole number from 1 to {MaxRekeyAfterMessages}");

    private static TimeSpan ParseDuration(string key, string value) =>
        ScenarioDuration.TryParse(value, out var duration) && duration >= TimeSpan.FromMilliseconds(1)
            ? duration
            : throw new ArgumentException($"session: option '{key}' is '{value}'; allowed: a duration of at least 1ms such as 500ms, 30s, 10m");

    private static string[] ParseNames(string key, string value)
    {
        var names = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length > ProtectionSet.MaxNames)
        {
            throw new ArgumentException($"session: option '{key}' lists {names.Length} protections; allowed: at most {ProtectionSet.MaxNames}");
        }

        foreach (var name in names)
        {
            if (!IsValidProtectionName(name))
            {
                throw new ArgumentException($"session: option '{key}' holds '{name}'; allowed: comma-separated names of 1..{ProtectionSet.MaxNameLength} characters [a-z0-9-], e.g. encrypt,mac");
            }
        }

        return names.Distinct(StringComparer.Ordinal).ToArray();
    }
}
