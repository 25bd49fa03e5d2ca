using System.Collections;

namespace Testbed.Defenses.Session;

/// <summary>
/// An immutable set of protection names (e.g. "encrypt", "mac") as negotiated by the session handshake, kept in
/// ordinal order so it has one canonical encoding.
/// </summary>
public sealed class ProtectionSet : IReadOnlyCollection<string>
{
    /// <summary>Most names a set may hold.</summary>
    public const int MaxNames = 8;

    /// <summary>Longest name, in characters.</summary>
    public const int MaxNameLength = 16;

    private readonly string[] _names;

    private ProtectionSet(string[] sortedDistinct) => _names = sortedDistinct;

    /// <summary>The empty set.</summary>
    public static ProtectionSet Empty { get; } = new([]);

    /// <summary>The set of <paramref name="names"/> (duplicates collapse). Throws <see cref="ArgumentException"/> for an invalid name or too many.</summary>
    public static ProtectionSet Of(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var sorted = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (sorted.Length > MaxNames)
        {
            throw new ArgumentException($"a protection set holds at most {MaxNames} names");
        }

        foreach (var name in sorted)
        {
            if (!SessionOptions.IsValidProtectionName(name))
            {
                throw new ArgumentException($"'{name}' is not a protection name (1..{MaxNameLength} characters [a-z0-9-])");
            }
        }

        return new ProtectionSet(sorted);
    }

    /// <summary>Wraps names the handshake decoder already checked to be valid, distinct and in ordinal order.</summary>
    internal static ProtectionSet FromCanonical(string[] names) => new(names);

    /// <inheritdoc />
    public int Count => _names.Length;

    /// <summary>The names, in ordinal order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>True when <paramref name="name"/> is in the set.</summary>
    public bool Contains(string name) => Array.BinarySearch(_names, name, StringComparer.Ordinal) >= 0;

    /// <summary>True when every name of <paramref name="other"/> is in this set.</summary>
    public bool IsSupersetOf(ProtectionSet other) => other._names.All(Contains);

    /// <summary>The names in both sets.</summary>
    public ProtectionSet Intersect(ProtectionSet other) => new(_names.Where(other.Contains).ToArray());

    /// <summary>True when both sets hold the same names.</summary>
    public bool SetEquals(ProtectionSet other) => _names.AsSpan().SequenceEqual(other._names);

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_names).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>For example <c>{encrypt,mac}</c>.</summary>
    public override string ToString() => "{" + string.Join(',', _names) + "}";
}
