using System.Buffers;

namespace Testbed.Envelopes;

/// <summary>
/// Identifier rules. A principal id is 1..64 ASCII bytes from <c>[a-z0-9._/-]</c>.
/// A key id is 0..64 ASCII bytes from <c>[a-zA-Z0-9._/:+=-]</c>.
/// </summary>
public static class PrincipalId
{
    /// <summary>Longest principal id, in bytes.</summary>
    public const int MaxLength = 64;

    /// <summary>Longest key id, in bytes.</summary>
    public const int MaxKeyIdLength = 64;

    private const string PrincipalChars = "abcdefghijklmnopqrstuvwxyz0123456789._/-";
    private const string KeyIdChars = PrincipalChars + "ABCDEFGHIJKLMNOPQRSTUVWXYZ:+=";

    private static readonly SearchValues<byte> PrincipalBytes = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789._/-"u8);
    private static readonly SearchValues<byte> KeyIdBytes = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789._/-ABCDEFGHIJKLMNOPQRSTUVWXYZ:+="u8);
    private static readonly SearchValues<char> PrincipalCharValues = SearchValues.Create(PrincipalChars);
    private static readonly SearchValues<char> KeyIdCharValues = SearchValues.Create(KeyIdChars);

    /// <summary>True when <paramref name="id"/> is a valid principal id.</summary>
    public static bool IsValid(ReadOnlySpan<byte> id) =>
        id.Length is >= 1 and <= MaxLength && !id.ContainsAnyExcept(PrincipalBytes);

    /// <summary>True when <paramref name="id"/> is a valid principal id.</summary>
    public static bool IsValid(string? id) =>
        id is { Length: >= 1 and <= MaxLength } && !id.AsSpan().ContainsAnyExcept(PrincipalCharValues);

    /// <summary>True when <paramref name="keyId"/> is a valid key id (empty is valid).</summary>
    public static bool IsValidKeyId(ReadOnlySpan<byte> keyId) =>
        keyId.Length <= MaxKeyIdLength && !keyId.ContainsAnyExcept(KeyIdBytes);

    /// <summary>True when <paramref name="keyId"/> is a valid key id (empty is valid).</summary>
    public static bool IsValidKeyId(string? keyId) =>
        keyId is { Length: <= MaxKeyIdLength } && !keyId.AsSpan().ContainsAnyExcept(KeyIdCharValues);

    /// <summary>Index of the first byte not allowed in a principal id, or -1.</summary>
    internal static int IndexOfInvalidPrincipalByte(ReadOnlySpan<byte> id) => id.IndexOfAnyExcept(PrincipalBytes);

    /// <summary>Index of the first byte not allowed in a key id, or -1.</summary>
    internal static int IndexOfInvalidKeyIdByte(ReadOnlySpan<byte> keyId) => keyId.IndexOfAnyExcept(KeyIdBytes);
}
