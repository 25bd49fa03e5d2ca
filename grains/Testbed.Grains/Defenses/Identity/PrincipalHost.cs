using Testbed.Wire;

namespace Testbed.Defenses.Identity;

/// <summary>
/// Whether the caller of a CA call may act for a principal: only the silo hosting the principal's grain may — that
/// activation itself, or any caller on that silo (its runtime's hosted client, another grain there). Code on a silo can
/// use every key that silo's key store holds anyway; what must not happen is one silo (or a cluster client) getting a
/// key certified, or revoked, for a principal another silo hosts. The caller is the grain the Orleans runtime stamped on
/// the call's message (<see cref="IGrainCallContext.SourceId"/>: the sending activation, or for a call made outside any
/// grain the sending silo's hosted client <c>sys.client/hosted-&lt;silo&gt;</c>) — not something the grain code or an
/// argument chooses. Where the principal and the caller live comes from the grain directory
/// (<see cref="IManagementGrain.GetActivationAddress"/>). Limit: a cluster client writes its own messages' headers, and
/// an Orleans gateway does not check the sending grain against the connection, so a client that can open a gateway
/// connection could claim to be a silo's hosted client; transport TLS (mutual, <c>transportTls</c>) is what keeps
/// unauthenticated clients off the gateway. An ordinary client (<c>sys.client/&lt;guid&gt;</c>) is always refused.
/// </summary>
internal static class PrincipalHost
{
    /// <summary>Null when <paramref name="caller"/> may act for <paramref name="principal"/>; otherwise why not.</summary>
    public static async Task<string?> RefusalAsync(IGrainFactory grains, GrainId? caller, string principal)
    {
        if (caller is not { } source)
        {
            return "the call names no caller";
        }

        GrainId grain;
        try
        {
            grain = PrincipalAddress.ToGrainId(principal);
        }
        catch (ArgumentException)
        {
            return $"{principal} is not the principal of a grain";
        }

        if (source == grain)
        {
            return null; // the principal's own activation
        }

        var directory = grains.GetGrain<IManagementGrain>(0);
        var host = await LocateAsync(directory, grains, grain).ConfigureAwait(false);
        if (host is null)
        {
            return $"{principal} is not active on any silo";
        }

        if (source == HostedClientOf(host))
        {
            return null; // the hosting silo's own runtime (a call made outside any grain there)
        }

        if (source.IsClient())
        {
            return $"{source} is a client, not the silo hosting {principal} ({host})";
        }

        var from = await LocateAsync(directory, grains, source).ConfigureAwait(false);
        return host.Equals(from) ? null : $"{source} is on {from?.ToString() ?? "no known silo"}, {principal} on {host}";
    }

    /// <summary>The id of the hosted client through which <paramref name="silo"/> makes calls from outside any grain.</summary>
    public static GrainId HostedClientOf(SiloAddress silo) =>
        GrainId.Create(GrainTypePrefix.ClientGrainType, "hosted-" + silo.ToParsableString());

    private static async Task<SiloAddress?> LocateAsync(IManagementGrain directory, IGrainFactory grains, GrainId grain)
    {
        try
        {
            return await directory.GetActivationAddress(grains.GetGrain(grain)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return null; // no such grain type here, or one the directory does not track (a stateless worker)
        }
    }
}
