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
}
