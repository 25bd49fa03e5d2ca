namespace Testbed.Attacks.Api;

/// <summary>
/// What a Dolev-Yao adversary knows of the session handshake's hello (docs/session-handshake.md): enough to rewrite the
/// protections it offers and requires. It cannot re-sign, so the initiator's signature after the sets is kept as sent.
/// </summary>
public static class SessionHellos
{
    /// <summary>
    /// The hello with <paramref name="protection"/> (e.g. <c>encrypt</c>) removed from both its offered and required
    /// sets, or null when <paramref name="hello"/> is not a hello or names no such protection.
    /// </summary>
    public static byte[]? WithoutProtection(ReadOnlySpan<byte> hello, string protection)
    {
        // magic(2) version(1) type(1) agreement(1) ephemeral length(1) ephemeral random(32) timestamp(8) ids sets …
        if (hello.Length < 6 || hello[0] != 0x53 || hello[1] != 0x48 || hello[3] != 1)
        {
            return null;
        }

        var p = 6 + hello[5] + 32 + 8;
        for (var id = 0; id < 2 && p < hello.Length; id++)
        {
            p += 1 + hello[p];
        }

        var output = new List<byte>(hello.Length);
        output.AddRange(hello[..p].ToArray());
        var removed = false;
        for (var set = 0; set < 2 && p < hello.Length; set++)
        {
            var names = new List<byte[]>();
            var count = hello[p++];
            for (var i = 0; i < count && p < hello.Length; i++)
            {
                var name = hello.Slice(p + 1, hello[p]).ToArray();
                p += 1 + hello[p];
                if (System.Text.Encoding.ASCII.GetString(name) == protection)
                {
                    removed = true;
                }
                else
                {
                    names.Add(name);
                }
            }

            output.Add((byte)names.Count);
            names.ForEach(n => { output.Add((byte)n.Length); output.AddRange(n); });
        }

        output.AddRange(hello[p..].ToArray());
        return removed ? output.ToArray() : null;
    }
}
