namespace Testbed.Attacks.Api;

/// <summary>What an observer can tell from a payload's bytes alone.</summary>
public static class Readable
{
    /// <summary>
    /// True when the payload is readable JSON — the services' messages in clear: braces at both ends and printable ASCII
    /// throughout (ciphertext essentially never is). Cheap and exception-free, for use on every observed envelope.
    /// </summary>
    public static bool IsClearJson(ReadOnlySpan<byte> payload) =>
        payload.Length >= 2 && payload[0] == (byte)'{' && payload[^1] == (byte)'}' && !payload.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E);
}
