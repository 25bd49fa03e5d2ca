using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Testbed.Hosting.Cluster.Agents;

/// <summary>Places a grain keyed by a silo's address (<see cref="SiloAddress.ToParsableString"/>) on that silo, and nowhere else.</summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SiloAgentPlacement : PlacementStrategy
{
    /// <summary>The shared instance.</summary>
    public static SiloAgentPlacement Singleton { get; } = new();

    /// <summary>The agent of <paramref name="silo"/>.</summary>
    public static ISiloAgent Agent(IGrainFactory grains, SiloAddress silo) => grains.GetGrain<ISiloAgent>(silo.ToParsableString());
}

/// <summary>Marks a grain class as placed by <see cref="SiloAgentPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloAgentPlacementAttribute() : PlacementAttribute(SiloAgentPlacement.Singleton);

/// <summary>The director of <see cref="SiloAgentPlacement"/>: the silo the key names, when it is in the cluster.</summary>
public sealed class SiloAgentPlacementDirector : IPlacementDirector
{
    /// <inheritdoc />
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        SiloAddress silo;
        try
        {
            silo = SiloAddress.FromParsableString(key);
        }
        catch (FormatException)
        {
            throw new OrleansException($"a silo agent's key must be a silo address, found '{key}'");
        }

        return context.GetCompatibleSilos(target).Contains(silo)
            ? Task.FromResult(silo)
            : throw new OrleansException($"silo {key} is not an active member of the cluster: its agent cannot be placed");
    }
}
