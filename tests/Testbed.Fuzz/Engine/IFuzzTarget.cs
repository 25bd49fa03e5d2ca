namespace Testbed.Fuzz.Engine;

/// <summary>Makes one input from a corpus seed.</summary>
public interface IMutator
{
    /// <summary>A mutation of <paramref name="seed"/>; <paramref name="corpus"/> is there to splice from.</summary>
    byte[] Mutate(byte[] seed, IReadOnlyList<byte[]> corpus, FuzzRandom random);
}

/// <summary>
/// Something fuzzed: a corpus of seeds, how to mutate them, and the property every input must keep. <see cref="Run"/>
/// throws only when the code under test threw (that is a crash); a broken property is a <see cref="Verdict"/>.
/// </summary>
public interface IFuzzTarget : IDisposable
{
    /// <summary>The target's name (--target).</summary>
    string Name { get; }

    /// <summary>What the target checks, in one line.</summary>
    string Checks { get; }

    /// <summary>True when an input's verdict depends on the input alone, so a finding can be minimized and replayed.</summary>
    bool Stateless { get; }

    /// <summary>The seeds inputs are made from (may change between inputs, see <see cref="BeforeInput"/>).</summary>
    IReadOnlyList<byte[]> Corpus { get; }

    /// <summary>How inputs are made from seeds.</summary>
    IMutator Mutator { get; }

    /// <summary>Called before input number <paramref name="index"/> (0-based); a stateful target may renew its setup here.</summary>
    void BeforeInput(long index);

    /// <summary>Feeds <paramref name="input"/>, made from seed <paramref name="seedIndex"/>, to the code under test.</summary>
    Verdict Run(int seedIndex, byte[] input);

    /// <summary>Adds an input whose verdict was <see cref="Verdict.Interesting"/> to the corpus (a target may ignore it).</summary>
    void Keep(byte[] input)
    {
    }

    /// <summary>Counts the target keeps of how inputs fared (e.g. which layer refused them), for the report.</summary>
    IReadOnlyDictionary<string, long> Statistics => new Dictionary<string, long>();

    /// <summary>Text for a saved finding: what the input was made from (stateful targets), or null.</summary>
    string? Describe(int seedIndex, byte[] input) => null;
}

/// <summary>What a finding is.</summary>
public enum FindingKind
{
    /// <summary>The code under test threw.</summary>
    Crash,
    /// <summary>An input was accepted that must not be (a forgery, a replay, a non-canonical encoding, an unpositioned error).</summary>
    Violation,
    /// <summary>An accepted re-encoding of a genuine message that had not been delivered yet: same content, other bytes.</summary>
    Malleable,
    /// <summary>An input that took longer than <see cref="FuzzOptions.SlowInput"/> (saved at once while still running past <see cref="FuzzOptions.HangAfter"/>).</summary>
    Slow,
}

/// <summary>The verdict on one input.</summary>
/// <param name="Accepted">The code under test accepted the input (decoded, loaded, opened).</param>
/// <param name="Finding">Set when the input broke the property.</param>
/// <param name="Key">Groups findings of one cause.</param>
/// <param name="Detail">What happened, for the saved finding.</param>
/// <param name="Interesting">The input got somewhere new enough to be worth keeping as a seed.</param>
public readonly record struct Verdict(bool Accepted, FindingKind? Finding = null, string? Key = null, string? Detail = null, bool Interesting = false)
{
    /// <summary>Accepted, and worth keeping as a seed.</summary>
    public static Verdict Kept { get; } = new(true, Interesting: true);

    /// <summary>Refused, as it should be (or accepted where acceptance is harmless).</summary>
    public static Verdict Rejected { get; } = new(false);

    /// <summary>Accepted, and that is fine.</summary>
    public static Verdict Ok { get; } = new(true);

    /// <summary>Accepted although it must not be; <paramref name="key"/> groups findings of one cause.</summary>
    public static Verdict Violation(string key, string detail) => new(true, FindingKind.Violation, key, detail);

    /// <summary>An accepted re-encoding of a genuine, not yet delivered message.</summary>
    public static Verdict Malleable(string key, string detail) => new(true, FindingKind.Malleable, key, detail);
}
