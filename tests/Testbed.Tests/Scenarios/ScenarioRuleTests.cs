using Testbed.Scenarios;
using Xunit;
using static Testbed.Tests.Scenarios.ScenarioTestSupport;

namespace Testbed.Tests.Scenarios;

/// <summary>Cross-field rules, registry checks and the reporting of several errors at once.</summary>
public class ScenarioRuleTests
{
    [Fact]
    public void Every_error_in_a_file_is_reported_in_file_order()
    {
        var yaml = Yaml(
            "name: Bad Name",                                  // 1
            "seed: -1",                                        // 2
            "cluster:",                                        // 3
            "  silos: 0",                                      // 4
            "workload:",                                       // 5
            "  mode: open",                                    // 6
            "  readFraction: 1.5",                             // 7
            "  bogus: 1",                                      // 8
            "faults:",                                         // 9
            "  - kind: meteor",                                // 10
            "    start: 5s",                                   // 11
            "    stop: 2s",                                    // 12
            "expect:",                                         // 13
            "  invariants: [conservation, teleportation]");    // 14

        var errors = Errors(yaml);

        Assert.Equal(
            [(1, 7), (2, 7), (4, 10), (6, 3), (7, 17), (8, 3), (10, 11), (12, 11), (14, 30)],
            errors.Select(e => (e.Line, e.Column)));
        AssertError(errors[3], 6, 3, "missing required key 'rate'", "mode is open");
        AssertError(errors[6], 10, 11, "faults[0].kind: unknown fault kind 'meteor'");
        AssertError(errors[7], 12, 11, "faults[0].stop: must be after start (5s), found 2s");
        AssertError(errors[8], 14, 30, "expect.invariants[1]: unknown invariant 'teleportation'");

        var message = Assert.Throws<ScenarioException>(() => Parse(yaml)).Message;
        Assert.Equal(string.Join('\n', errors.Select(e => e.ToString())), message);
        Assert.StartsWith("test.yaml:1:7: name: ", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_mode_without_rate_is_rejected_at_the_workload_mapping()
    {
        SingleError(Yaml("name: x", "seed: 1", "workload:", "  mode: open"), 4, 3, "workload: missing required key 'rate'");
    }

    [Fact]
    public void Open_mode_with_rate_is_accepted()
    {
        var w = Parse(Yaml("name: x", "seed: 1", "workload:", "  mode: open", "  rate: 200")).Workload;

        Assert.Equal((LoadMode.Open, (double?)200), (w.Mode, w.Rate));
    }

    [Fact]
    public void Rate_is_forbidden_in_closed_mode()
    {
        SingleError(Yaml("name: x", "seed: 1", "workload:", "  rate: 200"), 4, 3, "workload.rate: only allowed when mode is open");
    }

    [Fact]
    public void Operations_and_duration_together_are_rejected()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "workload:", "  operations: 10", "  duration: 1s"),
            5, 3, "give either 'operations' or 'duration', not both");
    }

    [Fact]
    public void Unknown_defense_is_rejected_with_the_known_names()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "defenses:", "  - rate-limit", "  - firewall"),
            5, 5, "defenses[1]: unknown defense 'firewall'", "known defenses: idempotency-keys, rate-limit");
    }

    [Fact]
    public void Repeated_defense_is_rejected()
    {
        SingleError(Yaml("name: x", "seed: 1", "defenses: [rate-limit, rate-limit]"), 3, 24, "defense 'rate-limit' is listed twice");
    }

    [Fact]
    public void Unknown_fault_kind_is_rejected_with_the_known_kinds()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "faults:", "  - kind: earthquake", "    start: 1s", "    stop: 2s"),
            4, 11, "unknown fault kind 'earthquake'", "known fault kinds: latency, silo-crash");
    }

    [Fact]
    public void Unknown_attack_kind_is_rejected_with_the_known_kinds()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "attacks:", "  - kind: ddos", "    start: 1s", "    stop: 2s"),
            4, 11, "unknown attack kind 'ddos'", "known attack kinds: double-spend, replay");
    }

    [Fact]
    public void Empty_catalog_says_that_nothing_is_registered()
    {
        var error = Assert.Single(Assert.Throws<ScenarioException>(
            () => ScenarioLoader.Parse(Yaml("name: x", "seed: 1", "defenses: [rate-limit]"), Source, ScenarioCatalog.Empty)).Errors);

        Assert.Contains("unknown defense 'rate-limit'; no defenses are registered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fault_entry_must_be_a_mapping()
    {
        SingleError(Yaml("name: x", "seed: 1", "faults:", "  - latency"), 4, 5, "faults[0]: expected a mapping with 'kind' (or 'script'), 'start' and 'stop'");
    }

    [Fact]
    public void Fault_option_values_must_be_scalars_or_lists_of_them()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "faults:", "  - kind: latency", "    start: 1s", "    stop: 2s", "    silos: [1, [2, {a: 1}]]"),
            7, 12, "faults[0].silos: option values must be scalars, lists of scalars, or lists of such lists, found a sequence");
    }

    [Fact]
    public void Fault_options_keep_their_text_and_null_options_become_empty()
    {
        var fault = Assert.Single(Parse(Yaml(
            "name: x", "seed: 1", "faults:",
            "  - kind: latency", "    start: 1s", "    stop: 2s", "    delay: 20ms", "    target: ~", "    note:", "    quoted: 'null'")).Faults);

        Assert.Equal(
            new Dictionary<string, string> { ["delay"] = "20ms", ["target"] = "", ["note"] = "", ["quoted"] = "null" },
            fault.Options);
    }

    [Fact]
    public void Fault_start_equal_to_stop_is_rejected()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "attacks:", "  - {kind: replay, start: 3s, stop: 3000ms}"),
            4, 37, "attacks[0].stop: must be after start (3s), found 3s");
    }

    [Fact]
    public void Invariants_must_be_all_or_a_list()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "expect:", "  invariants: conservation"),
            4, 15, "expect.invariants: expected 'all' or a list of invariant names, found 'conservation'");
    }

    [Fact]
    public void Error_to_string_is_file_line_column_message()
    {
        Assert.Equal("a/b.yaml:3:7: boom", new ScenarioError("a/b.yaml", 3, 7, "boom").ToString());
    }
}
