using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Testbed.Defenses;
using Testbed.Defenses.Identity;
using Testbed.Placement;
using Testbed.Services.Payments;
using Testbed.Wire;
using Testbed.Workload;

namespace Testbed.Hosting;

/// <summary><see cref="ISiloBuilder"/> extensions that make a silo a Testbed silo.</summary>
public static class TestbedSiloBuilderExtensions
{
    /// <summary>
    /// Adds the payments services, their placement, the customer directory, the wire attached to <paramref name="hooks"/>
    /// and the defense pipeline (none unless <paramref name="defenses"/> adds layers), recording to <paramref name="events"/>.
    /// </summary>
    public static ISiloBuilder AddPaymentsTestbed(
        this ISiloBuilder builder,
        WireHooks hooks,
        Action<PaymentsOptions> configure,
        TimeProvider? time = null,
        DefensePipelineBuilder? defenses = null,
        ISecurityEventSink? events = null,
        Defenses.Identity.IdentityOptions? identity = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.TryAddSingleton(time as Time.ServiceClock ?? new Time.ServiceClock(time));
        builder.Services.Configure(configure);
        builder.Services.AddOptions<SpreadPlacementOptions>();
        builder.Services.AddSingleton<CustomerDirectory>();
        builder.AddPlacementDirector<SpreadPlacement, SpreadPlacementDirector>();
        builder.AddTestbedWire(hooks);
        builder.AddTestbedIdentity(identity);
        builder.AddTestbedDefenses(defenses ?? new DefensePipelineBuilder(), events ?? new SecurityEventLog());
        return builder;
    }
}
