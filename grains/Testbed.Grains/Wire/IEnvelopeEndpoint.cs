namespace Testbed.Wire;

/// <summary>
/// The receiving end of the wire: every service grain implements it and nothing else reachable by other services.
/// The frame is decoded strictly by the receiver; a malformed frame yields a <c>Rejected</c> reply, never an exception.
/// </summary>
public interface IEnvelopeEndpoint : IGrainWithStringKey
{
    /// <summary>Delivers one encoded envelope and returns the encoded reply envelope.</summary>
    Task<byte[]> Deliver(byte[] frame);
}

/// <summary>Maps principal ids ("account/3", "payments/0", "customer/7") to grain ids and back.</summary>
public static class PrincipalAddress
{
    /// <summary>The grain id of the endpoint that speaks for <paramref name="principal"/>.</summary>
    public static GrainId ToGrainId(string principal)
    {
        var slash = principal.IndexOf('/');
        if (slash <= 0 || slash == principal.Length - 1)
        {
            throw new ArgumentException($"principal '{principal}' is not of the form <service>/<key>", nameof(principal));
        }

        return GrainId.Create(principal[..slash], principal[(slash + 1)..]);
    }

    /// <summary>The principal id of a grain id.</summary>
    public static string FromGrainId(GrainId id) => $"{id.Type}/{id.Key}";

    /// <summary>
    /// The numeric index of a principal such as "account/17" (17), or -1 unless it is canonical: one service name, one
    /// slash, and a decimal index without leading zeros. "account/017", "account/x/17" and "account/+17" are not account 17
    /// (each would name another grain, one that nobody checks).
    /// </summary>
    public static int IndexOf(string principal)
    {
        var slash = principal.IndexOf('/');
        if (slash <= 0 || slash != principal.LastIndexOf('/'))
        {
            return -1;
        }

        var key = principal.AsSpan(slash + 1);
        return key.Length > 0 && (key.Length == 1 || key[0] != '0')
            && int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : -1;
    }
}
