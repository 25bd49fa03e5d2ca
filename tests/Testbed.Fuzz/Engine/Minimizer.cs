namespace Testbed.Fuzz.Engine;

/// <summary>Shrinks a failing input by deleting chunks (halving their size down to single bytes) while it still fails the same way.</summary>
public static class Minimizer
{
    /// <summary>A smaller input for which <paramref name="fails"/> still holds (at most <paramref name="budget"/> tries).</summary>
    public static byte[] Minimize(byte[] input, Func<byte[], bool> fails, int budget = 4000)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(fails);
        var current = input;
        var tries = 0;
        for (var chunk = Math.Max(1, current.Length / 2); chunk >= 1 && tries < budget; chunk /= 2)
        {
            var progress = true;
            while (progress && tries < budget)
            {
                progress = false;
                for (var start = 0; start < current.Length && tries < budget; start += chunk)
                {
                    var length = Math.Min(chunk, current.Length - start);
                    var candidate = new byte[current.Length - length];
                    current.AsSpan(0, start).CopyTo(candidate);
                    current.AsSpan(start + length).CopyTo(candidate.AsSpan(start));
                    tries++;
                    if (fails(candidate))
                    {
                        current = candidate;
                        progress = true;
                        start -= chunk;
                    }
                }
            }
        }

        return current;
    }
}
