using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Testbed.Wire;

/// <summary>Registers the wire on a silo.</summary>
public static class WireSiloBuilderExtensions
{
    /// <summary>
    /// Adds the wire, attached to <paramref name="hooks"/> (shared by every silo of an embedded cluster so that taps and
    /// interceptors see cluster-wide traffic). A <see cref="TimeProvider"/> registered earlier is used; otherwise the system clock.
    /// </summary>
    public static ISiloBuilder AddTestbedWire(this ISiloBuilder builder, WireHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        builder.Services.AddSingleton(hooks);
        builder.Services.AddSingleton<Wire>(sp => new Wire(
            sp.GetRequiredService<IGrainFactory>(),
            hooks,
            Testbed.Time.ServiceClock.Resolve(sp),
            sp.GetRequiredService<ILocalSiloDetails>().Name));
        builder.Services.AddSingleton<IWire>(sp => sp.GetRequiredService<Wire>());

        // Create the wire when the silo starts, not when a grain first asks for it, so injection works from the start.
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => new WireStarter(sp.GetRequiredService<Wire>()));
        return builder;
    }

    /// <summary>
    /// Records the origin of every delivery (<see cref="WireSource"/>) with a <see cref="WireSourceFilter"/>: a filter
    /// on every grain call of the silo, so only silos whose defenses read it register it (<c>AddTestbedDefenses</c>).
    /// </summary>
    public static ISiloBuilder AddTestbedWireSource(this ISiloBuilder builder)
    {
        builder.Services.AddSingleton<IIncomingGrainCallFilter, WireSourceFilter>();
        return builder;
    }

    private sealed class WireStarter(Wire wire) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(WireStarter), ServiceLifecycleStage.Active, _ => { GC.KeepAlive(wire); return Task.CompletedTask; });
    }
}
