using Microsoft.Extensions.DependencyInjection;
using Testbed.Defenses.Identity;

namespace Testbed.Hosting.Cluster.Agents;

/// <summary>
/// Key hand-over and revocation for an adversary on a silo process: the principal's key lives in whichever silo made it
/// (where its grain first signed). A key of this silo is handed over as the key object; a key of another silo through
/// that silo's agent, as a <see cref="RemoteSigningKey"/> (the key stays in its process). Revocation rotates the key
/// where it lives.
/// </summary>
internal static class CompromiseAcrossSilos
{
    /// <summary><paramref name="principal"/>'s current key, wherever it lives, or null when no silo holds one yet.</summary>
    public static async Task<ISigningKey?> HandOverAsync(IServiceProvider services, string principal)
    {
        if (services.GetService<KeyStore>() is { } local && local.Holds(principal))
        {
            return await local.GetSigningKeyAsync(principal);
        }

        foreach (var agent in await OtherAgentsAsync(services))
        {
            if (await agent.StealKey(principal) is { } stolen)
            {
                return new RemoteSigningKey(agent, principal, stolen);
            }
        }

        return null;
    }

    /// <summary>Rotates <paramref name="principal"/>'s key (reason compromised) in the silo that holds it.</summary>
    public static async Task RevokeAsync(IServiceProvider services, string principal)
    {
        if (services.GetService<KeyStore>() is { } local && local.Holds(principal))
        {
            await local.RotateAsync(principal, RevocationReasons.Compromised);
            return;
        }

        foreach (var agent in await OtherAgentsAsync(services))
        {
            if (await agent.RevokeHeld(principal))
            {
                return;
            }
        }
    }

    private static async Task<IEnumerable<ISiloAgent>> OtherAgentsAsync(IServiceProvider services)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        var self = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        return hosts.Keys.Where(a => !a.Equals(self)).Select(a => grains.GetGrain<ISiloAgent>(a.ToParsableString()));
    }
}
