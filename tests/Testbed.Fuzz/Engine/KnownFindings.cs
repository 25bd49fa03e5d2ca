namespace Testbed.Fuzz.Engine;

/// <summary>
/// Crashes and violations found by the fuzzer in product code and reported, not yet fixed. Each is still counted as a
/// crash or violation, and under "known"; a known one does not fail a run unless --strict is given. Remove a key once its
/// cause is fixed, so that a regression fails again.
/// </summary>
public static class KnownFindings
{
    private const string SignedHandshakeKinds =
        "preset signed (sign + replay, no session layer): an envelope of kind Handshake or HandshakeReply passes the whole inbound "
        + "pipeline unauthenticated. SignLayer.OpenAsync and ReplayLayer.OpenAsync let handshake kinds through untouched (the session "
        + "layer owns them), and without a session layer nothing checks them: changing byte 4 (the kind) of a signed request or reply "
        + "from its kind to 11 or 12 is accepted (OpenOutcome.Continue, MessageContext.Authenticated false) with the original payload.";

    private const string SecondDocumentPosition =
        "the error for a second YAML document (YamlDocumentReader.ReadRoot, AuthzPolicyReader.Root) is positioned at the second "
        + "document's root node, which for an empty document (a text ending in '---') lies past the end of the text (e.g. 3:2 in "
        + "the 2-line text \"u\\n---\") instead of at the '---' marker.";

    private const string ComplexKeyInExpect =
        "ScenarioLoader.Parse throws InvalidCastException (not ScenarioException) when a key under expect.attacks or expect.faults "
        + "is not a scalar (a YAML complex key such as '? {a: 1}'): ExpectationReader.ReadCounts casts every key to YamlScalarNode. "
        + "Minimal input: \"expect:\\n  faults:\\n    ? {a: 1}\\n\".";

    private static readonly Dictionary<string, string> Keys = new(StringComparer.Ordinal)
    {
        ["pipeline-signed/forgery:request:Handshake:unauthenticated"] = SignedHandshakeKinds,
        ["pipeline-signed/forgery:request:HandshakeReply:unauthenticated"] = SignedHandshakeKinds,
        ["pipeline-signed/forgery:reply:Handshake:unauthenticated"] = SignedHandshakeKinds,
        ["pipeline-signed/forgery:reply:HandshakeReply:unauthenticated"] = SignedHandshakeKinds,
        ["System.InvalidCastException at Testbed.Scenarios.ExpectationReader.ReadCounts"] = ComplexKeyInExpect,
        ["scenario/error-position-outside-text:a scenario file holds a single YAML document; a second one starts here"] = SecondDocumentPosition,
        ["authz/error-position-outside-text:a policy file holds a single YAML document; a second one starts here"] = SecondDocumentPosition,
    };

    /// <summary>True when <paramref name="key"/> is a known finding.</summary>
    public static bool IsKnown(string key) => Keys.ContainsKey(key);

    /// <summary>Why <paramref name="key"/> is known, or null.</summary>
    public static string? Explain(string key) => Keys.GetValueOrDefault(key);
}
