using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Testbed.Attacks.Hosting;
using Testbed.Defenses;
using Testbed.Wire;

namespace Testbed.Hosting.Cluster.Agents;

/// <summary>
/// One per silo process (key: the silo's address, <see cref="SiloAgentPlacement"/> puts it there): how the runner reaches
/// what lives in that silo's memory — its wire counters, its security events and rate-limit blocks, its clock, and the
/// place adversaries are armed — when the silos are processes and the runner holds only a client.
/// </summary>
[Alias("testbed.silo-agent")]
public interface ISiloAgent : IGrainWithStringKey
{
    /// <summary>What the silo recorded so far.</summary>
    [AlwaysInterleave]
    Task<SiloReport> Report();

    /// <summary>Skews the clock the silo's services read (<see cref="Time.ServiceClock.SetSkew"/>).</summary>
    Task SkewClock(TimeSpan offset, double driftPerSecond);

    /// <summary>Puts the silo's service clock back on time.</summary>
    Task ResetClock();

    /// <summary>Starts wire faults on this silo's wire (see <see cref="SiloWireFaults"/>).</summary>
    Task StartWireFaults(WireFaultLaunch[] launches);

    /// <summary>Closes this silo's wire-fault windows and waits for them to revert.</summary>
    Task StopWireFaults();

    /// <summary>What each wire fault did on this silo.</summary>
    Task<WireFaultReport[]> ConcludeWireFaults();

    /// <summary>Whether adversaries on this silo have cluster-wide taps and interceptors attached (what other silos must relay).</summary>
    Task<(bool Taps, bool Interceptors)> AdversaryHooks();

    /// <summary>Relays this silo's wire traffic to the adversaries on <paramref name="hub"/> (a silo address) until <see cref="StopRelay"/>.</summary>
    Task StartRelay(string hub, bool taps, bool interceptors);

    /// <summary>Stops relaying.</summary>
    Task StopRelay();

    /// <summary>Observations relayed from another silo's wire.</summary>
    [OneWay]
    Task RelayObserved(RelayedMessage[] messages);

    /// <summary>A message another silo's wire carries, for the adversaries' interceptors here (observed first).</summary>
    [AlwaysInterleave]
    Task<RelayedDecision> RelayIntercept(RelayedMessage message);

    /// <summary>Arms adversary <paramref name="key"/> on this silo (adversary grains are placed where they are first called).</summary>
    Task<AdversaryStatus> ArmAdversary(string key, AdversarySpec spec);

    /// <summary>
    /// An open silo (started by hand: an external cluster's) stops its host shortly after answering and starts a new one
    /// for the run in <paramref name="run"/> (a <see cref="External.RunLaunch"/> as JSON; <see cref="External.SiloRunSwitch"/>);
    /// a silo a runner launched for one run refuses.
    /// </summary>
    Task BeginRun(string run);

    /// <summary>The external run this silo serves (null: none, or a runner launched it).</summary>
    [AlwaysInterleave]
    Task<string?> CurrentRun();

    /// <summary>Activates the certificate authority on this silo (it is placed where it is first called).</summary>
    Task ActivateAuthority();

    /// <summary>Hands <paramref name="principal"/>'s current key to an adversary on another silo (null: this silo holds none).</summary>
    Task<StolenKeyInfo?> StealKey(string principal);

    /// <summary>Signs with a key handed over by <see cref="StealKey"/>.</summary>
    [AlwaysInterleave]
    Task<byte[]> SignWithStolen(string principal, int version, byte[] data);

    /// <summary>The static agreement key of a handed-over key (public).</summary>
    [AlwaysInterleave]
    Task<byte[]> StolenStaticPublicKey(string principal, int version);

    /// <summary>A static agreement with a handed-over key, or null when the peer key is not valid.</summary>
    [AlwaysInterleave]
    Task<byte[]?> AgreeWithStolen(string principal, int version, byte[] peerPublicKey);

    /// <summary>Revokes (rotates, reason compromised) <paramref name="principal"/>'s key if this silo holds it; true when it did.</summary>
    Task<bool> RevokeHeld(string principal);

    /// <summary>The process ends abruptly (SIGKILL to itself), shortly after the call returns: an external node fault.</summary>
    [OneWay]
    Task Kill();

    /// <summary>The silo stops gracefully and its process exits (an external node fault; restarting it is the orchestrator's job).</summary>
    [OneWay]
    Task Stop();
}

/// <summary>A silo's records: wire counters, security events (the kept ones, and exact counts) and rate-limit blocks.</summary>
[GenerateSerializer, Immutable]
public sealed record SiloReport
{
    /// <summary>The silo's name.</summary>
    [Id(0)] public string Silo { get; init; } = "";

    /// <summary>Process id of the silo.</summary>
    [Id(1)] public int ProcessId { get; init; }

    /// <summary>Requests, replies, bytes, dropped, delayed, replaced, duplicated, injected — in that order.</summary>
    [Id(2)] public long[] Wire { get; init; } = new long[8];

    /// <summary>The security events the silo kept (at most its log's capacity).</summary>
    [Id(3)] public SecurityEvent[] Events { get; init; } = [];

    /// <summary>Exact event counts: (layer, reason, count).</summary>
    [Id(4)] public (string Layer, string Reason, long Count)[] EventCounts { get; init; } = [];

    /// <summary>When each sender's first rate-limit block began on this silo.</summary>
    [Id(5)] public Dictionary<string, DateTimeOffset> FirstBlockedAt { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Bytes allocated by the silo process so far (all threads).</summary>
    [Id(6)] public long AllocatedBytes { get; init; }

    /// <summary>What the silo's sockets carried (<see cref="Links.LinkTap"/>; none where nothing taps them).</summary>
    [Id(7)] public Links.LinkSnapshot Links { get; init; } = Cluster.Links.LinkSnapshot.None;
}

/// <summary>The silo's relay of its wire to the adversaries' silo, if any (one at a time).</summary>
internal sealed class WireRelays
{
    private WireRelay? _current;

    public async Task StartAsync(WireRelay relay)
    {
        if (Interlocked.Exchange(ref _current, relay) is { } previous)
        {
            await previous.DisposeAsync(); // never two relays on one wire
        }
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _current, null) is { } relay)
        {
            await relay.DisposeAsync();
        }
    }
}

/// <summary>The agent of the silo it runs on.</summary>
[SiloAgentPlacement]
[Reentrant] // stateless here: what it reaches is the silo's own thread-safe services, and relayed messages must not queue
internal sealed class SiloAgentGrain(IServiceProvider services) : Grain, ISiloAgent
{
    public Task<SiloReport> Report()
    {
        var hooks = services.GetRequiredService<WireHooks>().Stats;
        var log = services.GetRequiredService<ISecurityEventSink>() as SecurityEventLog;
        var blocks = services.GetRequiredService<DefensePipeline>().Layers.OfType<Defenses.RateLimit.RateLimitLayer>()
            .SelectMany(l => l.BlockHistory)
            .GroupBy(b => b.Sender, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Min(b => b.Since), StringComparer.Ordinal);
        return Task.FromResult(new SiloReport
        {
            Silo = services.GetRequiredService<ILocalSiloDetails>().Name,
            ProcessId = Environment.ProcessId,
            Wire = [hooks.Requests, hooks.Replies, hooks.Bytes, hooks.Dropped, hooks.Delayed, hooks.Replaced, hooks.Duplicated, hooks.Injected],
            Events = log?.Events.ToArray() ?? [],
            EventCounts = log?.CountsByLayer().SelectMany(l => l.Value.Select(r => (l.Key, r.Key, r.Value))).ToArray() ?? [],
            FirstBlockedAt = blocks,
            AllocatedBytes = GC.GetTotalAllocatedBytes(),
            Links = services.GetService<Links.LinkCounters>()?.Snapshot() ?? Cluster.Links.LinkSnapshot.None,
        });
    }

    public Task SkewClock(TimeSpan offset, double driftPerSecond)
    {
        services.GetRequiredService<Time.ServiceClock>().SetSkew(offset, driftPerSecond);
        return Task.CompletedTask;
    }

    public Task ResetClock()
    {
        services.GetRequiredService<Time.ServiceClock>().Reset();
        return Task.CompletedTask;
    }

    public Task StartWireFaults(WireFaultLaunch[] launches)
    {
        services.GetRequiredService<SiloWireFaults>().Start(launches);
        return Task.CompletedTask;
    }

    public Task StopWireFaults() => services.GetRequiredService<SiloWireFaults>().StopAsync();

    public Task<WireFaultReport[]> ConcludeWireFaults() => Task.FromResult(services.GetRequiredService<SiloWireFaults>().Conclude());

    public Task<(bool Taps, bool Interceptors)> AdversaryHooks() => Task.FromResult(services.GetRequiredService<WireHooks>().ClusterWide);

    public async Task StartRelay(string hub, bool taps, bool interceptors)
    {
        var relays = services.GetRequiredService<WireRelays>();
        await relays.StartAsync(new WireRelay(services.GetRequiredService<WireHooks>(), GrainFactory.GetGrain<ISiloAgent>(hub), taps, interceptors));
    }

    public Task StopRelay() => services.GetRequiredService<WireRelays>().StopAsync();

    // The attacks' hooks run on the thread pool, as on a wire thread, not one at a time in this activation's turns.
    public Task RelayObserved(RelayedMessage[] messages)
    {
        var hooks = services.GetRequiredService<WireHooks>();
        return Task.Run(() =>
        {
            foreach (var message in messages)
            {
                hooks.ObserveRelayed(message.ToWireMessage());
            }
        });
    }

    public Task<RelayedDecision> RelayIntercept(RelayedMessage message)
    {
        var hooks = services.GetRequiredService<WireHooks>();
        return Task.Run(async () =>
        {
            var relayed = message.ToWireMessage();
            hooks.ObserveRelayed(relayed);
            return await hooks.InterceptRelayedAsync(relayed);
        });
    }

    public Task<AdversaryStatus> ArmAdversary(string key, AdversarySpec spec) => GrainFactory.GetGrain<IAdversaryGrain>(key).Arm(spec);

    public async Task<StolenKeyInfo?> StealKey(string principal)
    {
        if (services.GetService<Defenses.Identity.KeyStore>() is not { } keys || !keys.Holds(principal))
        {
            return null;
        }

        return services.GetRequiredService<StolenKeys>().HandOver(await keys.GetSigningKeyAsync(principal));
    }

    public Task<byte[]> SignWithStolen(string principal, int version, byte[] data)
    {
        var key = services.GetRequiredService<StolenKeys>().Get(principal, version);
        var signature = new byte[key.SignatureSize];
        key.Sign(data, signature);
        return Task.FromResult(signature);
    }

    public Task<byte[]> StolenStaticPublicKey(string principal, int version) =>
        Task.FromResult(Agreeing(principal, version).StaticPublicKey.ToArray());

    public Task<byte[]?> AgreeWithStolen(string principal, int version, byte[] peerPublicKey)
    {
        var secret = new byte[64];
        var written = Agreeing(principal, version).AgreeStatic(peerPublicKey, secret);
        return Task.FromResult(written < 0 ? null : secret[..written]);
    }

    public async Task<bool> RevokeHeld(string principal)
    {
        if (services.GetService<Defenses.Identity.KeyStore>() is not { } keys || !keys.Holds(principal))
        {
            return false;
        }

        await keys.RotateAsync(principal, Defenses.Identity.RevocationReasons.Compromised);
        return true;
    }

    private Defenses.Identity.IStaticKeyAgreement Agreeing(string principal, int version) =>
        services.GetRequiredService<StolenKeys>().Get(principal, version) as Defenses.Identity.IStaticKeyAgreement
            ?? throw new InvalidOperationException($"the key of {principal} v{version} has no static agreement key");

    public Task BeginRun(string run)
    {
        var runs = services.GetService<External.SiloRunSwitch>()
            ?? throw new InvalidOperationException($"{services.GetRequiredService<ILocalSiloDetails>().Name} was launched by a runner for its run: it serves no other");
        runs.Switch(External.RunLaunch.FromJson(run));
        return Task.CompletedTask;
    }

    public Task<string?> CurrentRun() => Task.FromResult(services.GetService<External.SiloRunSwitch>()?.CurrentRun);

    public Task ActivateAuthority() => Defenses.Identity.CertificateAuthorityGrain.Reference(GrainFactory).GetInfo();

    public Task Kill()
    {
        _ = Task.Run(async () =>
        {
            await Task.Delay(50);
            System.Diagnostics.Process.GetCurrentProcess().Kill(); // SIGKILL: no shutdown, no goodbye to membership
        });
        return Task.CompletedTask;
    }

    public Task Stop()
    {
        services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().StopApplication();
        return Task.CompletedTask;
    }
}
