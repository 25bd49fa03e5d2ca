using Testbed.Envelopes;

namespace Testbed.Defenses.Authz;

/// <summary>One allow rule: <see cref="From"/> may send requests of <see cref="Kinds"/> to <see cref="To"/>.</summary>
public sealed class AuthzRule
{
    private readonly uint _kindMask;

    /// <summary>Creates a rule; <paramref name="line"/> is where it is written (0 when built in code).</summary>
    public AuthzRule(PrincipalPattern from, PrincipalPattern to, IReadOnlyList<EnvelopeKind> kinds, int line = 0)
    {
        From = from ?? throw new ArgumentNullException(nameof(from));
        To = to ?? throw new ArgumentNullException(nameof(to));
        Kinds = kinds ?? throw new ArgumentNullException(nameof(kinds));
        Line = line;
        foreach (var kind in kinds)
        {
            if ((ushort)kind >= 32)
            {
                throw new ArgumentOutOfRangeException(nameof(kinds), kind, "kind out of range");
            }

            _kindMask |= 1u << (ushort)kind;
        }

        SharedVariable = from.Variable is { } v && string.Equals(v, to.Variable, StringComparison.Ordinal);
    }

    /// <summary>Who may send.</summary>
    public PrincipalPattern From { get; }

    /// <summary>To whom.</summary>
    public PrincipalPattern To { get; }

    /// <summary>Which request kinds.</summary>
    public IReadOnlyList<EnvelopeKind> Kinds { get; }

    /// <summary>The line of the rule in its file (0 when built in code).</summary>
    public int Line { get; }

    /// <summary>True when from and to use the same variable, so their numeric keys must be equal.</summary>
    public bool SharedVariable { get; }

    /// <summary>True when the rule allows <paramref name="sender"/> to send <paramref name="kind"/> to <paramref name="recipient"/>.</summary>
    public bool Allows(string sender, string recipient, EnvelopeKind kind) =>
        (ushort)kind < 32
        && (_kindMask & (1u << (ushort)kind)) != 0
        && From.Matches(sender, out var fromNumber)
        && To.Matches(recipient, out var toNumber)
        && (!SharedVariable || fromNumber == toNumber);

    /// <inheritdoc />
    public override string ToString() => $"{From} -> {To}: {string.Join(", ", Kinds)}";
}

/// <summary>
/// A deny-by-default authorization policy: which principal may send which request kind to which service. A request is
/// allowed when some rule allows it; nothing else is. Read from YAML (<see cref="Parse"/>, <see cref="LoadFile"/>):
/// <code>
/// allow:
///   - from: customer/{n}    # {n} binds the numeric key; * matches any key; exact ids allowed; "*" any principal
///     to: account/{n}       # the same {n}: a customer may query only its own account
///     kinds: [balancequery] # EnvelopeKind request names, case-insensitive
/// </code>
/// </summary>
public sealed class AuthzPolicy
{
    /// <summary>The text of <see cref="PaymentsDefault"/>.</summary>
    public const string PaymentsDefaultYaml =
        """
        # Deny by default. Rules cover requests; replies and handshakes always pass.
        allow:
          - from: customer/{n}
            to: payments/*
            kinds: [order]
          - from: payments/*
            to: account/*
            kinds: [debit, credit]
          - from: customer/{n}
            to: account/{n}        # a customer may query only its own account
            kinds: [balancequery]
          - from: "*"
            to: echo/*
            kinds: [echo]
          - from: bench/*          # the benchmark driver (also covered by the rule above; kept if that one is narrowed)
            to: echo/*
            kinds: [echo]
        """;

    private static readonly Lazy<AuthzPolicy> Default = new(() => Parse(PaymentsDefaultYaml, "<built-in payments policy>"));
    private readonly AuthzRule[] _rules;

    /// <summary>Creates a policy from <paramref name="rules"/>; <paramref name="source"/> names where it came from.</summary>
    public AuthzPolicy(IEnumerable<AuthzRule> rules, string source = "<code>")
    {
        _rules = [.. rules];
        Source = source;
    }

    /// <summary>The policy the payments workload needs (customers order and query their own account, payments debit
    /// and credit accounts, anyone may echo).</summary>
    public static AuthzPolicy PaymentsDefault => Default.Value;

    /// <summary>The rules, in file order.</summary>
    public IReadOnlyList<AuthzRule> Rules => _rules;

    /// <summary>The file (or source name) the policy was read from.</summary>
    public string Source { get; }

    /// <summary>Parses policy YAML; throws <see cref="AuthzPolicyException"/> with every error and its position.</summary>
    public static AuthzPolicy Parse(string yaml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        return new AuthzPolicy(AuthzPolicyReader.Read(yaml, sourceName), sourceName);
    }

    /// <summary>Reads and parses the policy file at <paramref name="path"/>.</summary>
    public static AuthzPolicy LoadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>True when some rule allows <paramref name="sender"/> to send a <paramref name="kind"/> request to <paramref name="recipient"/>.</summary>
    public bool Allows(string sender, string recipient, EnvelopeKind kind)
    {
        foreach (var rule in _rules)
        {
            if (rule.Allows(sender, recipient, kind))
            {
                return true;
            }
        }

        return false;
    }
}
