using BenchmarkDotNet.Attributes;
using Testbed.Defenses;
using Testbed.Defenses.InProcess;
using Testbed.Envelopes;
using Testbed.Scenarios;

namespace Testbed.Bench.Defenses;

/// <summary>
/// Seal at the sender plus open at the receiver of one request, per layer and per preset, after the session (if any)
/// is established: the steady-state cost a defense adds to every message. Read against <see cref="PrimitiveBenchmarks"/>
/// from the same run. The rate limiter runs with a limit no benchmark reaches, so its admission path (not its refusal
/// path) is what is measured; the timestamp replay window is real, so nonces expire as they would in a run.
/// </summary>
[MemoryDiagnoser]
public class DefenseStackBenchmarks
{
    private InProcessChannel _channel = null!;
    private InProcessNode _sender = null!;
    private InProcessNode _receiver = null!;
    private byte[] _payload = [];

    /// <summary>A layer (with what it needs) or a preset.</summary>
    [Params("none", "sign", "session+mac", "session+encrypt", "session+replay", "ratelimit", "authz", "signed", "tls-like", "zero-trust", "paranoid")]
    public string Stack { get; set; } = "none";

    /// <summary>Payload size.</summary>
    [Params(64, 1024, 16384)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var specs = Stack.Split('+').Select(name => new DefenseSpec
        {
            Name = name,
            Options = name == "ratelimit" ? new Dictionary<string, string> { ["rate"] = "1000000000", ["burst"] = "1000000" } : new Dictionary<string, string>(),
        }).ToList();
        var setup = DefenseCatalog.Resolve(specs);
        if (setup.Layers.Contains("ratelimit") && Stack != "ratelimit")
        {
            specs.Add(new DefenseSpec { Name = "ratelimit", Options = new Dictionary<string, string> { ["rate"] = "1000000000", ["burst"] = "1000000" } });
            setup = DefenseCatalog.Resolve(specs);
        }

        _channel = new InProcessChannel(setup.Pipeline);
        _sender = _channel.Add("customer/0");
        _receiver = _channel.Add("payments/0");
        _payload = new byte[PayloadBytes];
        Random.Shared.NextBytes(_payload);
        SealOpen().AsTask().GetAwaiter().GetResult(); // handshake and key certification happen here, not in the measurement
    }

    [GlobalCleanup]
    public void Cleanup() => _channel.Dispose();

    /// <summary>One request sealed by the sender and opened by the receiver.</summary>
    [Benchmark]
    public async ValueTask<int> SealOpen()
    {
        var request = new Envelope
        {
            Kind = EnvelopeKind.Order,
            Sender = _sender.Principal,
            Recipient = _receiver.Principal,
            TimestampMs = _channel.Environment.Time.GetUtcNow().ToUnixTimeMilliseconds(),
            Payload = _payload,
        };
        var sealedRequest = await _sender.SealAsync(request, out _);
        var verdict = await _receiver.OpenAsync(sealedRequest);
        return verdict.Result.Outcome == OpenOutcome.Continue
            ? verdict.Result.Envelope!.Payload.Length
            : throw new InvalidOperationException($"{Stack}: rejected by {verdict.Layer}: {verdict.Result.Reason}");
    }
}
