using Testbed.Defenses.Authz;
using Testbed.Envelopes;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Defenses.Authz;

/// <summary>An authz policy written inside the scenario file.</summary>
public sealed class AuthzInlinePolicyTests
{
    [Fact]
    public void Inline_policy_in_a_scenario_is_parsed_and_enforced()
    {
        const string yaml = """
            name: inline-authz
            seed: 1
            defenses:
              - name: authz
                policy: |
                  allow:
                    - from: customer/{n}
                      to: payments/*
                      kinds: [order]
            """;
        var scenario = ScenarioLoader.Parse(yaml, "inline.yaml", TestbedCatalog.Default);
        var options = AuthzOptions.FromSettings(scenario.DefenseSpecs.Single().Options);

        Assert.True(options.Policy.Allows("customer/3", "payments/0", EnvelopeKind.Order));
        Assert.False(options.Policy.Allows("payments/0", "account/3", EnvelopeKind.Debit));
    }

    [Fact]
    public void Broken_inline_policy_is_a_positioned_scenario_error()
    {
        const string yaml = """
            name: inline-authz
            seed: 1
            defenses:
              - name: authz
                policy: |
                  allow:
                    - from: customer/{n}
                      to: payments/*
                      kinds: [teleport]
            """;
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(yaml, "inline.yaml", TestbedCatalog.Default));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(4, error.Line);
        Assert.Contains("teleport", error.Message);
    }
}
