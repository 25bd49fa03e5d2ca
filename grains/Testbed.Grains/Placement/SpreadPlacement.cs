using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Testbed.Placement;

/// <summary>
/// Places a service grain on silo <c>(key index + offset of its service) mod silo count</c>, over the compatible silos in
/// address order. With the default offsets customer i and account i share a silo while payment shard k sits one silo
/// further on, so every order, debit and most credits cross silos. Keys without a numeric index fall back to a stable hash.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SpreadPlacement : PlacementStrategy
{
    /// <summary>The shared instance.</summary>
    public static SpreadPlacement Singleton { get; } = new();
}

/// <summary>Marks a grain class as placed by <see cref="SpreadPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SpreadPlacementAttribute() : PlacementAttribute(SpreadPlacement.Singleton);

/// <summary>Per-service offsets for <see cref="SpreadPlacement"/> (Orleans options pattern).</summary>
public sealed class SpreadPlacementOptions
{
    /// <summary>Silo offset per grain type; types not listed use 0. Default: payment shards one silo after their customers.</summary>
    public Dictionary<string, int> Offsets { get; set; } = new(StringComparer.Ordinal) { ["payments"] = 1 };
}

/// <summary>The director that implements <see cref="SpreadPlacement"/>.</summary>
public sealed class SpreadPlacementDirector(Microsoft.Extensions.Options.IOptions<SpreadPlacementOptions> options) : IPlacementDirector
{
    private readonly Dictionary<string, int> _offsets = new(options.Value.Offsets, StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0)
        {
            throw new OrleansException($"no compatible silo for {target.GrainIdentity}");
        }

        Array.Sort(silos);
        var id = target.GrainIdentity;
        var key = id.Key.ToString();
        var index = int.TryParse(key, System.Globalization.NumberStyles.None, null, out var i) ? i : (int)(id.GetUniformHashCode() & 0x7fffffff);
        _offsets.TryGetValue(id.Type.ToString(), out var offset);
        return Task.FromResult(silos[(int)(((long)index + offset) % silos.Length)]);
    }
}
