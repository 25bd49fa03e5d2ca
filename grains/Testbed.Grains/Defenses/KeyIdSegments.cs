namespace Testbed.Defenses;

/// <summary>
/// The envelope's key id carries one segment per layer that needs one, as <c>name=value</c> joined by '+', e.g.
/// <c>s=3f2a9c01.2+k=1</c> (session id and epoch, signing key version). Names and values use the key-id charset minus '+' and '='.
/// </summary>
public static class KeyIdSegments
{
    /// <summary><paramref name="keyId"/> with segment <paramref name="name"/> set to <paramref name="value"/> (replacing an existing one).</summary>
    public static string With(string keyId, string name, string value)
    {
        var kept = string.IsNullOrEmpty(keyId)
            ? []
            : keyId.Split('+').Where(s => !s.StartsWith(name + "=", StringComparison.Ordinal));
        return string.Join('+', kept.Append($"{name}={value}"));
    }

    /// <summary><paramref name="keyId"/> without segment <paramref name="name"/> (a layer strips its own segment once it has
    /// verified it, so the layers inside see the key id as they sealed it).</summary>
    public static string Without(string keyId, string name)
    {
        if (string.IsNullOrEmpty(keyId) || !keyId.Contains(name + "=", StringComparison.Ordinal))
        {
            return keyId;
        }

        return string.Join('+', keyId.Split('+').Where(s => !s.StartsWith(name + "=", StringComparison.Ordinal)));
    }

    /// <summary>The value of segment <paramref name="name"/>, if present exactly once.</summary>
    public static bool TryGet(string keyId, string name, out string value)
    {
        value = "";
        var found = false;
        foreach (var segment in keyId.AsSpan().Split('+'))
        {
            var part = keyId.AsSpan()[segment];
            if (part.Length > name.Length && part.StartsWith(name, StringComparison.Ordinal) && part[name.Length] == '=')
            {
                if (found)
                {
                    value = "";
                    return false;
                }

                value = part[(name.Length + 1)..].ToString();
                found = true;
            }
        }

        return found;
    }
}
