using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hosting;
using Testbed.Hosting;
using Testbed.Services.Payments;
using Testbed.Storage;
using Testbed.Wire;

namespace Testbed.Hosting.Cluster;

/// <summary>How to start an <see cref="EmbeddedCluster"/>.</summary>
public sealed class EmbeddedClusterOptions
{
    /// <summary>Number of silos (1..8).</summary>
    public int Silos { get; set; } = 2;

    /// <summary>Configures the payments system on every silo.</summary>
    public Action<PaymentsOptions> Payments { get; set; } = _ => { };

    /// <summary>The run's wire hooks, shared by every silo.</summary>
    public WireHooks Hooks { get; set; } = new();

    /// <summary>The defense pipeline every silo builds (empty: no defenses).</summary>
    public Defenses.DefensePipelineBuilder Defenses { get; set; } = new();

    /// <summary>Identity settings (signature algorithm, revocation polling).</summary>
    public Defenses.Identity.IdentityOptions Identity { get; set; } = new();

    /// <summary>The run's security event log, shared by every silo.</summary>
    public Defenses.SecurityEventLog Events { get; set; } = new();

    /// <summary>The clock services use.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Adds a <see cref="SiloPause"/> to every silo so that node faults can pause them (off by default: it costs a filter per grain call).</summary>
    public bool Pausable { get; set; }

    /// <summary>How long a grain call may take before the caller sees a timeout.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The attacks adversary grains on every silo can be armed with.</summary>
    public AttackCatalog Attacks { get; set; } = AttackCatalog.Builtin;

    /// <summary>
    /// Durable state. With the embedded provider and no store given, the cluster makes one store that all its silos
    /// share (it outlives any silo); with Redis, every silo connects to the given server.
    /// </summary>
    public TestbedStorageOptions Storage { get; set; } = new();

    /// <summary>
    /// Orleans transport TLS (mutual, certificates from a run-scoped authority) on every silo and the client; null (the
    /// default) leaves connections in the clear. It runs over the same in-memory transport: Orleans applies its TLS
    /// middleware to whatever connection the transport hands it, so the bytes between silos are TLS records either way.
    /// </summary>
    public TransportTlsOptions? TransportTls { get; set; }

    /// <summary>Adds the silo side of Orleans' dashboard to every silo (<c>AddDashboard</c>), for a <c>RunDashboard</c>.</summary>
    public bool Dashboard { get; set; }

    /// <summary>Membership timing; null keeps TestingHost's own.</summary>
    public Scenarios.MembershipSpec? Membership { get; set; }
}

/// <summary>
/// A real multi-silo Orleans cluster inside this process (Orleans TestingHost's <see cref="InProcessTestCluster"/>:
/// real silos, real membership, real serialization between silos over an in-memory transport), with the Testbed
/// services and wire on every silo and a client for the workload. Silos can be killed, stopped and restarted. Every silo
/// hosts adversary grains (<see cref="AdversaryGrain"/>), with compromise hooks that reach the key store of whichever
/// silo holds the principal's key.
/// </summary>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly InProcessTestCluster _cluster;

    private readonly TransportCredentials? _ownedCredentials;

    private EmbeddedCluster(InProcessTestCluster cluster, WireHooks hooks, Defenses.SecurityEventLog events, EmbeddedStateStore? store, TransportCredentials? ownedCredentials)
    {
        _cluster = cluster;
        _ownedCredentials = ownedCredentials;
        Hooks = hooks;
        Events = events;
        Store = store;
    }

    /// <summary>The durable store shared by the silos (embedded storage), or null (Redis).</summary>
    public EmbeddedStateStore? Store { get; }

    /// <summary>The run's security events.</summary>
    public Defenses.SecurityEventLog Events { get; }

    /// <summary>The client the workload and the checker use.</summary>
    public IClusterClient Client => _cluster.Client;

    /// <summary>The run's wire hooks.</summary>
    public WireHooks Hooks { get; }

    /// <summary>Names of the silos currently running, in start order.</summary>
    public IReadOnlyList<string> SiloNames => _cluster.Silos.Select(s => s.Name).ToArray();

    /// <summary>Starts a cluster and waits until every silo is active and the client is connected.</summary>
    public static async Task<EmbeddedCluster> StartAsync(EmbeddedClusterOptions options, CancellationToken cancellationToken = default)
    {
        if (options.Silos is < 1 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Silos, "silos must be 1..8");
        }

        EmbeddedCluster? started = null;
        var adversaries = new AdversaryEnvironment(options.Attacks, CompromiseThrough(() => started), options.Time);
        var storage = options.Storage;
        var store = storage.Provider == StorageProvider.Embedded ? storage.EmbeddedStore ?? new EmbeddedStateStore() : null;
        var tls = options.TransportTls;
        var ownedCredentials = tls is { Credentials: null } ? TransportCredentials.Create() : null;
        var credentials = tls?.Credentials ?? ownedCredentials;
        var setup = new TestbedSiloSetup
        {
            Hooks = options.Hooks,
            Defenses = options.Defenses,
            Identity = options.Identity,
            Events = options.Events,
            Time = options.Time,
            Payments = options.Payments,
            Adversaries = adversaries,
            Storage = new TestbedStorageOptions { Provider = storage.Provider, EmbeddedStore = store, Redis = storage.Redis, LedgerPageSize = storage.LedgerPageSize },
            ResponseTimeout = options.ResponseTimeout,
            Pausable = options.Pausable,
            Dashboard = options.Dashboard,
        };
        var builder = new InProcessTestClusterBuilder((short)options.Silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((siloOptions, silo) =>
        {
            if (tls is not null)
            {
                silo.UseTransportTls(tls, credentials!, siloOptions.SiloName);
            }

            setup.Apply(silo);
            if (options.Membership is { } membership)
            {
                silo.Services.Configure<ClusterMembershipOptions>(o => MembershipTiming.Apply(o, membership));
            }
        });
        builder.ConfigureClient(client =>
        {
            client.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout);
            client.Services.AddSingleton<IClientConnectionRetryFilter, EmbeddedClientRetry>();
            if (tls is not null)
            {
                client.UseTransportTls(tls, tls.ClientCredentials ?? credentials!, credentials!);
            }
        });
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync().WaitAsync(cancellationToken);

            // The certificate authority keeps its key and records in memory: activate it on the first silo, the one node
            // faults never touch, so that killing other silos never takes the cluster's identities with it.
            var firstSilo = cluster.Silos[0].SiloHost.Services.GetRequiredService<IGrainFactory>();
            await Defenses.Identity.CertificateAuthorityGrain.Reference(firstSilo).GetInfo().WaitAsync(cancellationToken);
        }
        catch
        {
            await cluster.DisposeAsync();
            ownedCredentials?.Dispose();
            throw;
        }

        return started = new EmbeddedCluster(cluster, options.Hooks, options.Events, store, ownedCredentials);
    }

    /// <summary>Crashes silo <paramref name="index"/> (no graceful shutdown).</summary>
    public Task KillSiloAsync(int index) => _cluster.KillSiloAsync(Silo(index));

    /// <summary>Stops silo <paramref name="index"/> gracefully.</summary>
    public Task StopSiloAsync(int index) => _cluster.StopSiloAsync(Silo(index));

    /// <summary>Stops silo <paramref name="index"/> and starts it again.</summary>
    public async Task RestartSiloAsync(int index) => await _cluster.RestartSiloAsync(Silo(index));

    /// <summary>Starts one more silo.</summary>
    public async Task StartSiloAsync() => await _cluster.StartAdditionalSiloAsync();

    /// <summary>Name of the silo currently hosting <paramref name="principal"/>'s grain, or null when it is not active.</summary>
    public string? HostingSilo(string principal) => HostingSilo(PrincipalAddress.ToGrainId(principal));

    /// <summary>Name of the silo currently hosting an activation of <paramref name="grain"/>, or null when there is none.</summary>
    public string? HostingSilo(GrainId grain)
    {
        if (!_cluster.TryGetGrainContext(grain, out var context))
        {
            return null;
        }

        var address = context.Address.SiloAddress;
        return _cluster.Silos.FirstOrDefault(s => s.SiloAddress.Equals(address))?.Name;
    }

    /// <summary>The clock silo <paramref name="index"/>'s services read (clock-skew faults set its skew).</summary>
    public Time.ServiceClock ClockOf(int index) => SiloServices(index).GetRequiredService<Time.ServiceClock>();

    /// <summary>The pause switch of silo <paramref name="index"/>; throws unless the cluster was started <see cref="EmbeddedClusterOptions.Pausable"/>.</summary>
    public SiloPause PauseOf(int index) => SiloServices(index).GetService<SiloPause>()
        ?? throw new InvalidOperationException("the cluster was started without Pausable: silos cannot be paused");

    /// <summary>The service provider of silo <paramref name="index"/> (tests use it to reach per-silo services).</summary>
    public IServiceProvider SiloServices(int index) => Silo(index).SiloHost.Services;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _cluster.StopAllSilosAsync();
        }
        finally
        {
            await _cluster.DisposeAsync();
            _ownedCredentials?.Dispose();
        }
    }

    /// <summary>
    /// Key hand-over and revocation: through the key store of the silo holding the principal's key (keys never leave
    /// the silo that made them; the hand-over gives the adversary the key object, as Tamarin's Reveal).
    /// </summary>
    private static CompromiseHooks CompromiseThrough(Func<EmbeddedCluster?> cluster)
    {
        Defenses.Identity.KeyStore? Holder(string principal) => cluster() is not { } c ? null : Enumerable.Range(0, c._cluster.Silos.Count)
            .Select(i => c.SiloServices(i).GetService<Defenses.Identity.KeyStore>())
            .FirstOrDefault(k => k is not null && k.Holds(principal));
        return new CompromiseHooks(
            async principal => Holder(principal) is { } keys ? await keys.GetSigningKeyAsync(principal) : null,
            async principal =>
            {
                if (Holder(principal) is { } keys)
                {
                    await keys.RotateAsync(principal, Defenses.Identity.RevocationReasons.Compromised);
                }
            });
    }

    private InProcessSiloHandle Silo(int index)
    {
        var silos = _cluster.Silos;
        return index >= 0 && index < silos.Count
            ? silos[index]
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"there are {silos.Count} silos");
    }
}
