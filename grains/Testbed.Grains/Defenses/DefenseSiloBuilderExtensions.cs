using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Testbed.Defenses.Identity;
using Testbed.Defenses.Replay;
using Testbed.Services;
using Testbed.Storage;
using Testbed.Wire;

namespace Testbed.Defenses;

/// <summary>Registers a silo's defense pipeline and the runtime service grains run on.</summary>
public static class DefenseSiloBuilderExtensions
{
    /// <summary>
    /// Adds the defense pipeline described by <paramref name="pipeline"/> (built once per silo), the environment its
    /// layers use, and the <see cref="ServiceRuntime"/>. Security events go to <paramref name="events"/> (shared by every
    /// silo of an embedded cluster). Layers that need identities require <c>AddTestbedIdentity</c> on the same silo. With
    /// any layer, every delivery is opened with its origin on the transport (<see cref="WireSource"/>). The replay defense
    /// keeps its horizons in the testbed's grain storage (<c>AddTestbedStorage</c>) when the silo has it, else in memory.
    /// </summary>
    public static ISiloBuilder AddTestbedDefenses(this ISiloBuilder builder, DefensePipelineBuilder pipeline, ISecurityEventSink events)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(events);
        pipeline.Validate();
        builder.Services.AddSingleton(events);
        builder.Services.AddSingleton(sp => new DefenseEnvironment(
            Testbed.Time.ServiceClock.Resolve(sp),
            sp.GetService<IKeyStore>() ?? MissingIdentity.Instance,
            sp.GetService<ITrustStore>() ?? MissingIdentity.Instance,
            events,
            sp.GetRequiredService<IWire>(),
            sp.GetKeyedService<IGrainStorage>(TestbedStorageOptions.StorageName) is { } storage ? new GrainStorageReplayHorizonStore(storage) : null));
        builder.Services.AddSingleton(sp => pipeline.Build(sp.GetRequiredService<DefenseEnvironment>()));
        builder.Services.AddSingleton(sp => new ServiceRuntime(sp.GetRequiredService<DefensePipeline>(), sp.GetRequiredService<DefenseEnvironment>()));
        if (pipeline.Names.Count > 0)
        {
            builder.AddTestbedWireSource();
        }

        return builder;
    }

    /// <summary>Stands in when no identity services are registered: any use says how to fix the configuration.</summary>
    private sealed class MissingIdentity : IKeyStore, ITrustStore
    {
        public static readonly MissingIdentity Instance = new();

        public ValueTask<ISigningKey> GetSigningKeyAsync(string principal) => throw Missing();

        public ValueTask<ISignatureVerifier?> GetVerifierAsync(string principal, int version) => throw Missing();

        private static InvalidOperationException Missing() =>
            new("a defense layer needs identities, but the silo has none: call AddTestbedIdentity on the silo builder");
    }
}
