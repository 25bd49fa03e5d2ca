using System.Text;
using Testbed.Envelopes;
using Testbed.Fuzz.Engine;

namespace Testbed.Fuzz.Targets;

/// <summary>
/// The envelope codec (EnvelopeCodec, docs/envelope-format.md): TryDecode and TryDecodeOwned never throw and agree;
/// a refusal names an offset inside the buffer; every accepted buffer passes Check and re-encodes to the identical
/// bytes (canonical). A violation is a buffer accepted that is not canonical. Accepted inputs join the corpus.
/// </summary>
public sealed class EnvelopeTarget : IFuzzTarget
{
    private const int MaxCorpus = 512;
    private readonly GrowingCorpus _corpus = new(Seeds(), MaxCorpus);

    /// <summary>The target with its generated seeds.</summary>
    public EnvelopeTarget()
    {
        Mutator = new ByteMutator(EnvelopeMutations.Dictionary, EnvelopeMutations.Fields, EnvelopeMutations.Mutate);
    }

    /// <inheritdoc />
    public string Name => "envelope";

    /// <inheritdoc />
    public string Checks => "TryDecode never throws; accepted buffers re-encode to identical bytes (else: non-canonical)";

    /// <inheritdoc />
    public bool Stateless => true;

    /// <inheritdoc />
    public IReadOnlyList<byte[]> Corpus => _corpus.Items;

    /// <inheritdoc />
    public IMutator Mutator { get; }

    /// <inheritdoc />
    public void BeforeInput(long index)
    {
    }

    /// <inheritdoc />
    public void Keep(byte[] input) => _corpus.Keep(input);

    /// <inheritdoc />
    public Verdict Run(int seedIndex, byte[] input)
    {
        var accepted = EnvelopeCodec.TryDecode(input, out var envelope, out var error);
        var owned = EnvelopeCodec.TryDecodeOwned(input.ToArray(), out var ownedEnvelope, out var ownedError);
        if (accepted != owned || error != ownedError || (accepted && !envelope!.ContentEquals(ownedEnvelope)))
        {
            return Verdict.Violation("overloads-disagree", $"TryDecode: {accepted} {error}; TryDecodeOwned: {owned} {ownedError}");
        }

        if (!accepted)
        {
            return error.Code == EnvelopeErrorCode.None || error.Offset < 0 || error.Offset > input.Length
                ? Verdict.Violation("refusal-without-position", $"refused with {error} for a {input.Length}-byte buffer")
                : Verdict.Rejected;
        }

        var check = EnvelopeCodec.Check(envelope!);
        if (check.Code != EnvelopeErrorCode.None)
        {
            return Verdict.Violation("accepted-fails-check", $"decoded, but Check says {check}");
        }

        var encoded = EnvelopeCodec.Encode(envelope!);
        return encoded.AsSpan().SequenceEqual(input) && EnvelopeCodec.GetEncodedLength(envelope!) == input.Length
            ? Verdict.Kept
            : Verdict.Violation("non-canonical", $"accepted, but re-encodes to {Convert.ToHexString(encoded)}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>Valid frames of every kind with ids, key ids, payloads and tags of many lengths (fixed: the corpus does not depend on --seed).</summary>
    private static IEnumerable<byte[]> Seeds()
    {
        var random = new FuzzRandom(0x656e76656c6f7065);
        string[] ids = ["customer/0", "payments/1", "account/12", "a", "echo/bench.x-1_z", new string('z', 64)];
        string[] keyIds = ["", "k=1", "s=3f2a9c01.2", "s=3f2a9c01.2+k=1", "n=00ab00ab00ab00ab+k=1", "ABC:+/=-._", new string('K', 64)];
        int[] payloads = [0, 1, 3, 16, 64, 300, 1024];
        int[] tags = [0, 1, 16, 64, 72, 512];
        foreach (var kind in Enum.GetValues<EnvelopeKind>())
        {
            for (var i = 0; i < 4; i++)
            {
                var payload = new byte[random.Pick(payloads)];
                var tag = new byte[random.Pick(tags)];
                random.Fill(payload);
                random.Fill(tag);
                yield return EnvelopeCodec.Encode(new Envelope
                {
                    Kind = kind,
                    Sender = random.Pick(ids),
                    Recipient = random.Pick(ids),
                    Sequence = i == 0 ? 0 : random.NextUInt64() >> random.Next(64),
                    TimestampMs = i == 1 ? -1 : (long)(random.NextUInt64() >> random.Next(1, 64)),
                    KeyId = random.Pick(keyIds),
                    Payload = payload,
                    Tag = tag,
                });
            }
        }

        yield return Encoding.ASCII.GetBytes("TB");
    }
}
