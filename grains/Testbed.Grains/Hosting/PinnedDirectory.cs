using Orleans.GrainDirectory;

namespace Testbed.Hosting;

/// <summary>
/// The grain directory of the testbed's own singletons that keep state in memory: the certificate authority and the
/// adversaries. Orleans' default directory deactivates every activation whose registration lived on a silo that leaves —
/// with silo processes, a graceful restart of one silo of three deactivated the CA on silo 0, the next call made a fresh
/// CA with a new root key, and trust split (README, Found by the testbed). Orleans' distributed directory recovers such
/// registrations from the silos that hold the activations instead. Services keep the default directory: with the
/// distributed one a crashed silo's range is held under a lease, which stalls reactivation of its grains.
/// </summary>
public static class PinnedDirectory
{
    /// <summary>The directory's name, for <see cref="GrainDirectoryAttribute"/>.</summary>
    public const string Name = "testbed-pinned";

    /// <summary>Registers the directory on the silo (idempotent).</summary>
    public static ISiloBuilder AddTestbedPinnedDirectory(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
#pragma warning disable ORLEANSEXP003 // experimental in Orleans 10; its behaviour on a silo's loss is what this directory is for
        return builder.AddDistributedGrainDirectory(Name);
#pragma warning restore ORLEANSEXP003
    }
}
