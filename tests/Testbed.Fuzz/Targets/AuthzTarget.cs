using Testbed.Defenses.Authz;
using Testbed.Envelopes;
using Testbed.Fuzz.Engine;

namespace Testbed.Fuzz.Targets;

/// <summary>
/// The authz policy reader (AuthzPolicy.Parse → AuthzPolicyReader) on mutated policy YAML: it throws nothing but its
/// documented <see cref="AuthzPolicyException"/>, whose every error has a line:column inside the text; a policy it
/// accepts answers Allows without throwing. Policies that parse join the corpus.
/// </summary>
public sealed class AuthzTarget() : YamlTarget(Seeds)
{
    private static readonly string[] Seeds =
    [
        AuthzPolicy.PaymentsDefaultYaml,
        "allow: []\n",
        "allow:\n  - {from: \"*\", to: \"*\", kinds: [order, debit, credit, balancequery, echo]}\n",
        "# exact ids and variables\nallow:\n  - from: customer/7\n    to: account/{n}\n    kinds:\n      - BalanceQuery\n  - from: payments/{k}\n    to: account/{k}\n    kinds: [debit]\n",
        "allow:\n  - from: bench/*\n    to: echo/*\n    kinds: [echo]\n  - from: customer/{n}\n    to: payments/*\n    kinds: [Order]\n",
    ];

    private static readonly (string From, string To, EnvelopeKind Kind)[] Probes =
    [
        ("customer/1", "account/1", EnvelopeKind.BalanceQuery), ("customer/1", "payments/0", EnvelopeKind.Order),
        ("payments/0", "account/9", EnvelopeKind.Debit), ("x", "echo/0", EnvelopeKind.Echo), ("customer/01", "account/1", EnvelopeKind.BalanceQuery),
    ];

    /// <inheritdoc />
    public override string Name => "authz";

    /// <inheritdoc />
    public override string Checks => "AuthzPolicy.Parse throws only AuthzPolicyException (errors with line:column in the text); parsed policies answer Allows";

    /// <inheritdoc />
    protected override Verdict Run(string text)
    {
        AuthzPolicy policy;
        try
        {
            policy = AuthzPolicy.Parse(text, "fuzz-policy.yaml");
        }
        catch (AuthzPolicyException e)
        {
            return CheckPositions(text, e.Errors.Select(x => (x.Line, x.Column, x.Message)));
        }

        foreach (var (from, to, kind) in Probes)
        {
            policy.Allows(from, to, kind);
        }

        _ = policy.Rules.Select(r => r.ToString()).ToArray();
        return Verdict.Kept;
    }
}
