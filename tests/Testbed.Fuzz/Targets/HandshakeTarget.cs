using System.Buffers.Binary;
using System.Text;
using Testbed.Defenses.Session;
using Testbed.Fuzz.Engine;

namespace Testbed.Fuzz.Targets;

/// <summary>
/// The session handshake codec (HandshakeCodec, docs/session-handshake.md): TryReadHello and TryReadReply never throw;
/// no buffer is both; every accepted hello or reply re-encodes, field by field through the writers, to the identical
/// bytes, and its signed part is the encoding up to the signature length. A violation is an accepted buffer that is not
/// canonical. Accepted inputs join the corpus.
/// </summary>
public sealed class HandshakeTarget : IFuzzTarget
{
    private const int MaxCorpus = 512;
    private readonly GrowingCorpus _corpus = new(Seeds(), MaxCorpus);

    /// <summary>The target with its generated seeds.</summary>
    public HandshakeTarget()
    {
        Mutator = new ByteMutator(
            ["SH\u0001"u8.ToArray(), "encrypt"u8.ToArray(), "mac"u8.ToArray(), "customer/0"u8.ToArray(), "payments/0"u8.ToArray(), [1], [2], [32], [65], [0, 64]],
            Fields);
    }

    /// <inheritdoc />
    public string Name => "handshake";

    /// <inheritdoc />
    public string Checks => "TryReadHello/TryReadReply never throw; accepted messages re-encode to identical bytes (else: non-canonical)";

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
        var isHello = HandshakeCodec.TryReadHello(input, out var hello);
        var isReply = HandshakeCodec.TryReadReply(input, out var reply);
        if (isHello && isReply)
        {
            return Verdict.Violation("both-hello-and-reply", "one buffer parsed as a hello and as a reply");
        }

        if (!isHello && !isReply)
        {
            return Verdict.Rejected;
        }

        byte[] signedPart;
        byte[] signature;
        int signedLength;
        byte[] encoded;
        try
        {
            if (isHello)
            {
                signedPart = HandshakeCodec.WriteHelloSignedPart(
                    hello!.Agreement, hello.Ephemeral, hello.Random, hello.TimestampMs, hello.Initiator, hello.Responder,
                    hello.Offered, hello.Required, hello.KeyVersion);
                (signature, signedLength, encoded) = (hello.Signature, hello.SignedLength, hello.Encoded);
            }
            else
            {
                signedPart = HandshakeCodec.WriteReplySignedPart(reply!.Agreement, reply.Ephemeral, reply.Random, reply.Chosen, reply.KeyVersion);
                (signature, signedLength, encoded) = (reply.Signature, reply.SignedLength, reply.Encoded);
            }
        }
        catch (ArgumentException e)
        {
            return Verdict.Violation("accepted-not-writable", $"accepted as a {(isHello ? "hello" : "reply")}, but the writer refuses its fields: {e.Message}");
        }

        var whole = HandshakeCodec.AppendSignature(signedPart, signature);
        return whole.AsSpan().SequenceEqual(input) && signedLength == signedPart.Length && encoded.AsSpan().SequenceEqual(input)
            ? Verdict.Kept
            : Verdict.Violation("non-canonical", $"accepted as a {(isHello ? "hello" : "reply")}, but re-encodes to {Convert.ToHexString(whole)} (signed part {signedPart.Length}, reported {signedLength})");
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>The integer fields of a hello or reply, as far as its length prefixes can be followed.</summary>
    private static IReadOnlyList<Field> Fields(byte[] m)
    {
        var fields = new List<Field> { new(2, 1), new(3, 1), new(4, 1), new(5, 1) };
        if (m.Length < 6)
        {
            return fields.Where(f => f.Offset < m.Length).ToArray();
        }

        var p = 6 + m[5] + HandshakeCodec.RandomLength;
        if (m.Length > 3 && m[3] == 1)
        {
            fields.Add(new(p, 8));
            p += 8;
            for (var id = 0; id < 2 && p < m.Length; id++)
            {
                fields.Add(new(p, 1));
                p += 1 + m[p];
            }
        }

        for (var set = 0; set < (m.Length > 3 && m[3] == 1 ? 2 : 1) && p < m.Length; set++)
        {
            fields.Add(new(p, 1));
            var count = m[p++];
            for (var i = 0; i < count && p < m.Length; i++)
            {
                fields.Add(new(p, 1));
                p += 1 + m[p];
            }
        }

        fields.Add(new(p, 4));
        fields.Add(new(p + 4, 2));
        return fields.Where(f => f.Offset >= 0 && f.Offset + f.Width <= m.Length).ToArray();
    }

    /// <summary>Hellos and replies for every key agreement, several protection sets, ids, key versions and signature lengths (fixed).</summary>
    private static IEnumerable<byte[]> Seeds()
    {
        var random = new FuzzRandom(0x68616e647368616b);
        ProtectionSet[] sets = [ProtectionSet.Empty, ProtectionSet.Of(["encrypt"]), ProtectionSet.Of(["mac"]), ProtectionSet.Of(["encrypt", "mac"]), ProtectionSet.Of(["a", "b-1", "zz"])];
        string[] ids = ["customer/0", "payments/0", "account/12", "a", new string('x', 64)];
        int[] signatures = [1, 64, 72, 512];
        foreach (var agreement in new[] { SessionKeyAgreement.P256, SessionKeyAgreement.X25519, SessionKeyAgreement.Static })
        {
            for (var i = 0; i < 6; i++)
            {
                var ephemeral = new byte[EphemeralKey.PublicKeyLength(agreement)];
                var nonce = new byte[HandshakeCodec.RandomLength];
                var signature = new byte[random.Pick(signatures)];
                random.Fill(ephemeral);
                random.Fill(nonce);
                random.Fill(signature);
                var hello = HandshakeCodec.WriteHelloSignedPart(
                    agreement, ephemeral, nonce, 1_735_732_800_000 + i, random.Pick(ids), random.Pick(ids), random.Pick(sets), random.Pick(sets), i + 1);
                yield return HandshakeCodec.AppendSignature(hello, signature);
                var reply = HandshakeCodec.WriteReplySignedPart(agreement, ephemeral, nonce, random.Pick(sets), i == 0 ? int.MaxValue : i + 1);
                yield return HandshakeCodec.AppendSignature(reply, signature);
            }
        }

        var tiny = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(tiny, 0x5348);
        tiny[2] = 1;
        yield return tiny;
        yield return Encoding.ASCII.GetBytes("SH");
    }
}
