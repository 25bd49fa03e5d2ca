using Testbed.Wire;

namespace Testbed.Attacks.Faults;

/// <summary>
/// Which messages a wire fault acts on: <c>all</c> (the default), or a list of services (<c>payments</c>), principals
/// (<c>account/3</c>) and silos by position (<c>silo:1</c>). A message matches when its sender or its recipient matches.
/// </summary>
public sealed class FaultTargets
{
    private readonly string[] _services;
    private readonly string[] _principals;
    private readonly int[] _silos;
    private string[] _siloNames = [];

    private FaultTargets(string text, string[] services, string[] principals, int[] silos)
    {
        Text = text;
        _services = services;
        _principals = principals;
        _silos = silos;
    }

    /// <summary>The targets as written (for results).</summary>
    public string Text { get; }

    /// <summary>True when every message matches.</summary>
    public bool All => _services.Length == 0 && _principals.Length == 0 && _silos.Length == 0;

    /// <summary>Highest silo position named, or -1.</summary>
    public int MaxSilo => _silos.Length == 0 ? -1 : _silos.Max();

    /// <summary>Parses a comma-separated list; throws <see cref="ArgumentException"/> naming the bad entry.</summary>
    public static FaultTargets Parse(string key, string text)
    {
        var entries = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length == 0 || entries is ["all"])
        {
            return new FaultTargets("all", [], [], []);
        }

        List<string> services = [], principals = [];
        List<int> silos = [];
        foreach (var entry in entries)
        {
            if (entry.StartsWith("silo:", StringComparison.Ordinal))
            {
                silos.Add(int.TryParse(entry.AsSpan(5), System.Globalization.NumberStyles.None, null, out var n) && n < 64
                    ? n
                    : throw new ArgumentException($"option '{key}': '{entry}' is not a silo position such as silo:1"));
            }
            else if (Envelopes.PrincipalId.IsValid(entry) && entry.Contains('/', StringComparison.Ordinal))
            {
                principals.Add(entry);
            }
            else if (entry is "customer" or "payments" or "account")
            {
                services.Add(entry);
            }
            else
            {
                throw new ArgumentException($"option '{key}': unknown target '{entry}'; use all, a service (customer, payments, account), a principal (account/3) or a silo position (silo:1)");
            }
        }

        return new FaultTargets(string.Join(", ", entries), [.. services], [.. principals], [.. silos]);
    }

    /// <summary>Resolves silo positions to the names of the silos running when the window opens.</summary>
    public void Bind(INodeControl nodes) =>
        _siloNames = _silos.Where(p => p < nodes.SiloCount).Select(nodes.SiloName).ToArray();

    /// <summary>True when <paramref name="principal"/> (on <paramref name="silo"/>, when known) is a target.</summary>
    public bool Matches(string? principal, string? silo)
    {
        if (All)
        {
            return true;
        }

        if (principal is not null)
        {
            foreach (var p in _principals)
            {
                if (string.Equals(p, principal, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            foreach (var s in _services)
            {
                if (principal.Length > s.Length && principal[s.Length] == '/' && principal.StartsWith(s, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return silo is not null && Array.IndexOf(_siloNames, silo) >= 0;
    }

    /// <summary>True when the message's sender or recipient is a target (silos: the requester's silo or the recipient's host).</summary>
    public bool Matches(WireMessage message, INodeControl nodes)
    {
        if (All)
        {
            return true;
        }

        var sender = message.Envelope?.Sender;
        var senderSilo = message.Direction == WireDirection.Request ? message.Silo : null;
        var recipientSilo = message.Direction == WireDirection.Reply ? message.Silo : null;
        if (Matches(sender, senderSilo) || Matches(message.Recipient, recipientSilo))
        {
            return true;
        }

        // Silo targets also match traffic into (requests) or out of (replies) a grain hosted there.
        return _siloNames.Length > 0 && Matches(null, nodes.SiloOf(message.Direction == WireDirection.Request ? message.Recipient : sender ?? ""));
    }
}
