using BenchmarkDotNet.Attributes;
using Testbed.Envelopes;

namespace Testbed.Bench.Envelopes;

/// <summary>Encode into a reused buffer and decode, for small, medium and large payloads.</summary>
[MemoryDiagnoser]
public class EnvelopeCodecBenchmarks
{
    private Envelope envelope = null!;
    private byte[] encoded = [];
    private byte[] destination = [];

    /// <summary>Payload size in bytes.</summary>
    [Params(64, 1024, 16384)]
    public int PayloadBytes { get; set; }

    /// <summary>Builds a realistic signed-looking envelope and its encoding.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var payload = new byte[PayloadBytes];
        random.NextBytes(payload);
        var tag = new byte[64];
        random.NextBytes(tag);
        envelope = new Envelope
        {
            Kind = EnvelopeKind.Debit,
            Sender = "tenant-7/client.alice",
            Recipient = "bank/ledger-01",
            Sequence = 123_456_789,
            TimestampMs = 1_700_000_000_000,
            KeyId = "ed25519:alice-2024",
            Payload = payload,
            Tag = tag,
        };
        encoded = EnvelopeCodec.Encode(envelope);
        destination = new byte[encoded.Length];
    }

    /// <summary>Encodes into a buffer reused across calls.</summary>
    [Benchmark]
    public int Encode() => EnvelopeCodec.Encode(envelope, destination);

    /// <summary>Decodes (validating and copying payload and tag).</summary>
    [Benchmark]
    public Envelope Decode() => EnvelopeCodec.Decode(encoded);
}
