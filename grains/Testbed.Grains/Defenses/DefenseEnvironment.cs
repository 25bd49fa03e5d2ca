using Testbed.Defenses.Identity;
using Testbed.Defenses.Replay;
using Testbed.Wire;

namespace Testbed.Defenses;

/// <summary>The services layers use, one set per silo (registered by the silo builder extensions).</summary>
public sealed class DefenseEnvironment(TimeProvider time, IKeyStore keys, ITrustStore trust, ISecurityEventSink events, IWire wire,
    IReplayHorizonStore? replayHorizons = null)
{
    /// <summary>The clock (injectable: tests use a fake one, fault injection a skewed one).</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>Each local principal's own long-term signing key.</summary>
    public IKeyStore Keys { get; } = keys;

    /// <summary>Verifiers of other principals' signatures, per the certificate authority.</summary>
    public ITrustStore Trust { get; } = trust;

    /// <summary>Where rejections are recorded.</summary>
    public ISecurityEventSink Events { get; } = events;

    /// <summary>The wire, for layers that send their own messages (handshakes).</summary>
    public IWire Wire { get; } = wire;

    /// <summary>
    /// Where the replay defense keeps its durable horizons (the silo's grain storage; in memory when none is given, which
    /// survives a new endpoint on this environment but not the process).
    /// </summary>
    public IReplayHorizonStore ReplayHorizons { get; } = replayHorizons ?? new InMemoryReplayHorizonStore();
}
