using Orleans.Configuration;
using Testbed.Scenarios;

namespace Testbed.Hosting.Cluster;

/// <summary>Maps a scenario's <see cref="MembershipSpec"/> onto Orleans' <see cref="ClusterMembershipOptions"/>.</summary>
public static class MembershipTiming
{
    /// <summary>
    /// Sets the probe timeout (its adaptive range ½×..2×), missed probes and votes, and the timings that follow from them
    /// for a throw-away cluster: death votes expire after 10 s, the table is re-read every 2 s and each silo writes its
    /// I-am-alive every 5 s. Probe timeouts do not stretch while the silo is degraded: on 2 busy cores they would, and
    /// detection would take as long as Orleans' production defaults.
    /// </summary>
    public static void Apply(ClusterMembershipOptions options, MembershipSpec spec)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        options.ProbeTimeout = spec.ProbeTimeout;
        options.MinProbeTimeout = spec.ProbeTimeout / 2;
        options.MaxProbeTimeout = spec.ProbeTimeout * 2;
        options.NumMissedProbesLimit = spec.MissedProbes;
        options.NumVotesForDeathDeclaration = spec.Votes;
        options.NumProbedSilos = Math.Max(options.NumProbedSilos, spec.Votes);
        options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
        options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        options.ExtendProbeTimeoutDuringDegradation = false;
    }

    /// <summary>
    /// How long the distributed grain directory (<see cref="Testbed.Hosting.PinnedDirectory"/>: the CA's and the
    /// adversaries') holds a crashed silo's range before registering there again (Orleans'
    /// <c>GrainDirectoryOptions.RangeLeaseDuration</c>, counted from the estimated failure: single activation, in case the
    /// silo is only cut off). Orleans' default is 30 s; twice the failure-detection window here (probe timeout × 2 ×
    /// missed probes × 2): with the defaults 6 s, about 3 s beyond the declaration.
    /// </summary>
    public static TimeSpan RangeLease(MembershipSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.ProbeTimeout * 2 * spec.MissedProbes * 2;
    }
}
