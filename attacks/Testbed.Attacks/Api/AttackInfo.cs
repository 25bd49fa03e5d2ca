namespace Testbed.Attacks.Api;

/// <summary>What a Dolev-Yao adversary may do. An attack declares what it needs; the runtime grants nothing else.</summary>
[Flags]
public enum AdversaryCapabilities
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>See copies of every envelope on the wire.</summary>
    Observe = 1,
    /// <summary>Put envelopes on the wire claiming any sender.</summary>
    Inject = 2,
    /// <summary>Sit in the path: pass, modify, delay or drop envelopes.</summary>
    Intercept = 4,
    /// <summary>Be handed a principal's long-term key at a point in time.</summary>
    Compromise = 8,
}

/// <summary>An attack's identity: its scenario kind, the CAPEC pattern it instantiates, and MITRE ATT&amp;CK where one fits.</summary>
public sealed record AttackInfo(string Kind, string Capec, string? Mitre, AdversaryCapabilities Capabilities, string Description);
