using CsCheck;
using Testbed.Defenses.Authz;
using Testbed.Envelopes;
using Xunit;

namespace Testbed.Tests.Defenses.Authz;

public class AuthzPolicyTests
{
    private static readonly AuthzPolicy Default = AuthzPolicy.PaymentsDefault;

    [Theory]
    [InlineData("customer/3", "payments/0", EnvelopeKind.Order)]
    [InlineData("customer/0", "payments/12", EnvelopeKind.Order)]
    [InlineData("payments/1", "account/7", EnvelopeKind.Debit)]
    [InlineData("payments/1", "account/7", EnvelopeKind.Credit)]
    [InlineData("customer/4", "account/4", EnvelopeKind.BalanceQuery)]
    [InlineData("customer/0", "account/0", EnvelopeKind.BalanceQuery)]
    [InlineData("bench/0", "echo/1", EnvelopeKind.Echo)]
    [InlineData("customer/1", "echo/0", EnvelopeKind.Echo)]
    public void The_default_policy_allows_the_workload_flows(string from, string to, EnvelopeKind kind) =>
        Assert.True(Default.Allows(from, to, kind));

    [Theory]
    [InlineData("customer/1", "account/2", EnvelopeKind.BalanceQuery)]
    [InlineData("customer/1", "account/1", EnvelopeKind.Debit)]
    [InlineData("customer/1", "account/1", EnvelopeKind.Credit)]
    [InlineData("customer/1", "payments/0", EnvelopeKind.Debit)]
    [InlineData("payments/0", "account/1", EnvelopeKind.Order)]
    [InlineData("payments/0", "account/1", EnvelopeKind.BalanceQuery)]
    [InlineData("account/1", "payments/0", EnvelopeKind.Order)]
    [InlineData("customer/01", "account/1", EnvelopeKind.BalanceQuery)]
    [InlineData("customer/x", "payments/0", EnvelopeKind.Order)]
    [InlineData("customer/1", "payments/0", EnvelopeKind.OrderReply)]
    [InlineData("customer/1", "echo/0", EnvelopeKind.Order)]
    [InlineData("evil/1", "payments/0", EnvelopeKind.Order)]
    [InlineData("customers/1", "payments/0", EnvelopeKind.Order)]
    [InlineData("customer", "payments/0", EnvelopeKind.Order)]
    public void The_default_policy_denies_everything_else(string from, string to, EnvelopeKind kind) =>
        Assert.False(Default.Allows(from, to, kind));

    [Fact]
    public void A_customer_may_query_exactly_its_own_account() =>
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[0, 1_000_000]).Sample((n, m) =>
            Default.Allows($"customer/{n}", $"account/{m}", EnvelopeKind.BalanceQuery) == (n == m));

    [Fact]
    public void An_empty_allow_list_denies_everything()
    {
        var policy = AuthzPolicy.Parse("allow: []\n", "empty.yaml");
        Assert.Empty(policy.Rules);
        foreach (var kind in Enum.GetValues<EnvelopeKind>())
        {
            Assert.False(policy.Allows("customer/1", "payments/0", kind));
        }
    }

    [Fact]
    public void Exact_ids_and_independent_variables()
    {
        var policy = AuthzPolicy.Parse(
            """
            allow:
              - from: customer/3
                to: account/{n}
                kinds: [DEBIT, Credit]
              - from: customer/{a}
                to: account/{b}
                kinds: [balanceQuery]
            """, "p.yaml");
        Assert.True(policy.Allows("customer/3", "account/9", EnvelopeKind.Debit));
        Assert.True(policy.Allows("customer/3", "account/0", EnvelopeKind.Credit));
        Assert.False(policy.Allows("customer/3", "account/x", EnvelopeKind.Debit));
        Assert.False(policy.Allows("customer/4", "account/9", EnvelopeKind.Debit));
        Assert.True(policy.Allows("customer/4", "account/9", EnvelopeKind.BalanceQuery));
        Assert.Equal([2, 5], policy.Rules.Select(r => r.Line));
        Assert.False(policy.Rules[1].SharedVariable);
    }

    [Fact]
    public void Errors_carry_file_line_and_column_all_at_once()
    {
        var e = Assert.Throws<AuthzPolicyException>(() => AuthzPolicy.Parse(
            """
            allow:
              - from: customer/{n}
                to: payments/*
                kinds: [order, refund]
                via: proxy
              - from: Customer/1
                to: payments/x*
                kinds: [orderreply]
            """, "bad.yaml"));
        Assert.Equal(
            [
                "bad.yaml:4:20: allow[0].kinds: 'refund' is not a request kind; allowed: order, debit, credit, balancequery, echo",
                "bad.yaml:5:5: unknown key 'via' in allow[0]; allowed keys: from, to, kinds",
                "bad.yaml:6:11: allow[1].from: 'Customer/1': the service name 'Customer' must be 1 or more of [a-z0-9._-]",
                "bad.yaml:7:9: allow[1].to: 'payments/x*': a wildcard must be the whole key: use 'service/*' or 'service/{n}'",
                "bad.yaml:8:13: allow[1].kinds: 'orderreply' is not a request kind; allowed: order, debit, credit, balancequery, echo",
            ],
            e.Errors.Select(x => x.ToString()));
        Assert.Contains("bad.yaml:4:20:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 1, 1, "the policy is empty")]
    [InlineData("deny: []\n", 1, 1, "unknown key 'deny'")]
    [InlineData("allow: {}\n", 1, 8, "'allow' must be a list of rules")]
    [InlineData("allow:\n  - from: customer/1\n    kinds: [order]\n", 2, 5, "allow[0]: missing required key 'to'")]
    [InlineData("allow:\n  - from: customer/1\n    to: payments/0\n    kinds: order\n", 4, 12, "allow[0].kinds must be a non-empty list")]
    [InlineData("allow:\n  - from: customer/1\n    to: payments/0\n    kinds: []\n", 4, 12, "allow[0].kinds must be a non-empty list")]
    [InlineData("allow:\n  - from: customer/1\n    to: payments/0\n    kinds: [order, order]\n", 4, 20, "listed twice")]
    [InlineData("allow:\n  - from: customer/{N}\n    to: payments/0\n    kinds: [order]\n", 2, 11, "a variable is written {name}")]
    [InlineData("allow:\n  - from: customer\n    to: payments/0\n    kinds: [order]\n", 2, 11, "is not a principal pattern")]
    [InlineData("allow:\n  - from: [customer/1]\n    to: payments/0\n    kinds: [order]\n", 2, 11, "must be a principal pattern")]
    [InlineData("allow:\n  - customer/1\n", 2, 5, "allow[0] must be a mapping")]
    [InlineData("allow:\n  - from: *\n    to: echo/*\n    kinds: [echo]\n", 2, 11, "quote a pattern that starts with '*'")]
    [InlineData("allow:\n  - from: customer/1\n    from: customer/2\n    to: payments/0\n    kinds: [order]\n", 3, 5, "Duplicate key from")]
    [InlineData("allow: []\n---\nallow: []\n", 2, 1, "single YAML document")]
    public void Each_error_is_positioned(string yaml, int line, int column, string message)
    {
        var e = Assert.Throws<AuthzPolicyException>(() => AuthzPolicy.Parse(yaml, "p.yaml"));
        var error = e.Errors[0];
        Assert.Equal(("p.yaml", line, column), (error.File, error.Line, error.Column));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_file_and_options_read_a_policy_from_disk()
    {
        var path = Path.Combine(Path.GetTempPath(), $"authz-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "allow:\n  - from: customer/{n}\n    to: account/{n}\n    kinds: [balancequery]\n");
        try
        {
            var fromFile = AuthzPolicy.LoadFile(path);
            Assert.Equal(path, fromFile.Source);
            var options = AuthzOptions.FromSettings(new Dictionary<string, string> { ["policy"] = path });
            Assert.True(options.Policy.Allows("customer/2", "account/2", EnvelopeKind.BalanceQuery));
            Assert.False(options.Policy.Allows("customer/2", "payments/0", EnvelopeKind.Order));

            File.WriteAllText(path, "allow:\n  - from: customer/{n}\n    to: account/{n}\n    kinds: [balance]\n");
            var e = Assert.Throws<ArgumentException>(() => AuthzOptions.FromSettings(new Dictionary<string, string> { ["policy"] = path }));
            Assert.Contains($"'policy'", e.Message, StringComparison.Ordinal);
            Assert.Contains($"{path}:4:13: allow[0].kinds: 'balance' is not a request kind", e.Message, StringComparison.Ordinal);
            var inner = Assert.IsType<AuthzPolicyException>(e.InnerException);
            Assert.Equal((path, 4, 13), (inner.Errors[0].File, inner.Errors[0].Line, inner.Errors[0].Column));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Options_default_to_the_payments_policy_and_reject_bad_settings()
    {
        Assert.Same(AuthzPolicy.PaymentsDefault, AuthzOptions.FromSettings(new Dictionary<string, string>()).Policy);
        var unknown = Assert.Throws<ArgumentException>(() => AuthzOptions.FromSettings(new Dictionary<string, string> { ["rules"] = "x" }));
        Assert.Contains("'rules'", unknown.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<ArgumentException>(() => AuthzOptions.FromSettings(new Dictionary<string, string> { ["policy"] = "/nonexistent/policy.yaml" }));
        Assert.Contains("'policy'", missing.Message, StringComparison.Ordinal);
    }
}
