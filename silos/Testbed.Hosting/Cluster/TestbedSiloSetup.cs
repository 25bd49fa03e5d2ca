using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Testbed.Attacks.Hosting;
using Testbed.Hosting.Cluster.Agents;
using Testbed.Services.Payments;
using Testbed.Storage;
using Testbed.Wire;

namespace Testbed.Hosting.Cluster;

/// <summary>
/// What makes a silo a Testbed silo for one run: the payments services on the run's wire and defenses, identities,
/// adversary hosting, durable state, the call timeout and the silo's agent. The embedded cluster applies one setup to
/// all its silos (so they share hooks and events); a <c>testbed silo</c> process builds its own.
/// </summary>
public sealed class TestbedSiloSetup
{
    /// <summary>The wire hooks of the silo.</summary>
    public WireHooks Hooks { get; init; } = new();

    /// <summary>The defense pipeline the silo builds.</summary>
    public Defenses.DefensePipelineBuilder Defenses { get; init; } = new();

    /// <summary>Identity settings.</summary>
    public Defenses.Identity.IdentityOptions Identity { get; init; } = new();

    /// <summary>Where the silo's security events go.</summary>
    public Defenses.SecurityEventLog Events { get; init; } = new();

    /// <summary>The clock services use.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Configures the payments system.</summary>
    public Action<PaymentsOptions> Payments { get; init; } = _ => { };

    /// <summary>What adversary grains on the silo can do.</summary>
    public AdversaryEnvironment Adversaries { get; init; } = new();

    /// <summary>Durable state (the embedded store is shared only between silos of one process).</summary>
    public TestbedStorageOptions Storage { get; init; } = new();

    /// <summary>How long a grain call may take before the caller sees a timeout.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Adds the silo side of Orleans' dashboard (its grain service, counters and call profiler).</summary>
    public bool Dashboard { get; init; }

    /// <summary>Adds a <see cref="SiloPause"/> (a call filter: the embedded stand-in for SIGSTOP).</summary>
    public bool Pausable { get; init; }

    /// <summary>The payments options of <paramref name="scenario"/>'s workload, seeded from the scenario.</summary>
    public static Action<PaymentsOptions> PaymentsOf(Scenarios.Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var w = scenario.Workload;
        return p =>
        {
            p.Seed = scenario.Seed;
            p.Accounts = w.Accounts;
            p.Customers = w.Customers;
            p.InitialBalance = w.InitialBalance;
            p.PaymentShards = w.PaymentShards;
            p.IdempotentOrders = w.IdempotentOrders;
            p.PaddingBytes = w.PaddingBytes;
        };
    }

    /// <summary>Applies the setup to <paramref name="silo"/>.</summary>
    public ISiloBuilder Apply(ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddPaymentsTestbed(Hooks, Payments, Time, Defenses, Events, Identity);
        silo.AddTestbedAdversaries(Adversaries);
        var storage = Storage;
        silo.AddTestbedStorage(o =>
        {
            o.Provider = storage.Provider;
            o.EmbeddedStore = storage.EmbeddedStore;
            o.Redis = storage.Redis;
            o.LedgerPageSize = storage.LedgerPageSize;
            o.KeyPrefix = storage.KeyPrefix;
        });
        silo.Services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
        silo.AddPlacementDirector<SiloAgentPlacement, SiloAgentPlacementDirector>();
        silo.Services.AddSingleton<WireRelays>();
        silo.Services.AddSingleton<StolenKeys>();
        silo.Services.AddSingleton(sp => new SiloWireFaults(sp.GetRequiredService<WireHooks>(), sp.GetRequiredService<ILocalSiloDetails>().Name));
        if (Pausable)
        {
            silo.AddSiloPause();
        }

        if (Dashboard)
        {
            Orleans.Dashboard.ServiceCollectionExtensions.AddDashboard(silo);
        }

        return silo;
    }
}
