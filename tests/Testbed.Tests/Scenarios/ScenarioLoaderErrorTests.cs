using Testbed.Scenarios;
using Xunit;
using static Testbed.Tests.Scenarios.ScenarioTestSupport;

namespace Testbed.Tests.Scenarios;

public class ScenarioLoaderErrorTests
{
    [Fact]
    public void Unknown_top_level_key_is_named_with_the_allowed_keys()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "colour: red"),
            3, 1,
            "unknown key 'colour' at the top level",
            "allowed keys: name, description, seed, cluster, workload, defenses, faults, attacks, expect");
    }

    [Fact]
    public void Unknown_nested_key_is_named_with_the_section_and_its_allowed_keys()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "workload:", "  accounts: 10", "  acounts: 10"),
            5, 3,
            "unknown key 'acounts' in workload",
            "allowed keys: accounts, customers, initialBalance");
    }

    [Fact]
    public void Wrong_scalar_type_names_the_expected_type()
    {
        SingleError(Yaml("name: x", "seed: 1", "cluster:", "  silos: two"), 4, 10, "cluster.silos", "expected an integer", "'two'");
    }

    [Fact]
    public void Sequence_where_a_mapping_belongs_names_the_expected_type()
    {
        SingleError(Yaml("name: x", "seed: 1", "workload: [1]"), 3, 11, "workload: expected a mapping, found a sequence");
    }

    [Fact]
    public void Quoted_number_is_a_string_not_an_integer()
    {
        SingleError(Yaml("name: x", "seed: \"42\""), 2, 7, "seed: expected an integer, found the quoted string '42'");
    }

    [Theory]
    [InlineData("workload:\n  idempotentOrders: yes", 4, 21, "expected a boolean")]
    [InlineData("workload:\n  readFraction: high", 4, 17, "expected a number")]
    [InlineData("workload:\n  readFraction: .nan", 4, 17, "expected a number")]
    [InlineData("workload:\n  duration: 10", 4, 13, "expected a duration such as 500ms, 10s or 2m")]
    [InlineData("defenses: rate-limit", 3, 11, "defenses: expected a list")]
    [InlineData("description: [a, b]", 3, 14, "description: expected a string, found a sequence")]
    [InlineData("workload:\n  mode: fast", 4, 9, "workload.mode: expected one of closed, open, found 'fast'")]
    public void Other_wrong_types_name_the_expected_type(string tail, int line, int column, string fragment)
    {
        SingleError(Yaml("name: x", "seed: 1", tail), line, column, fragment);
    }

    [Theory]
    [InlineData("cluster:\n  silos: 9", 4, 10, "cluster.silos: must be in range 1..8, found 9")]
    [InlineData("workload:\n  accounts: 1", 4, 13, "workload.accounts: must be in range 2..100000, found 1")]
    [InlineData("workload:\n  readFraction: 1.5", 4, 17, "workload.readFraction: must be in range 0..1, found 1.5")]
    [InlineData("workload:\n  paddingBytes: 65537", 4, 17, "must be in range 0..65536")]
    [InlineData("workload:\n  duration: 50ms", 4, 13, "workload.duration: must be in range 100ms..60m, found 50ms")]
    [InlineData("workload:\n  concurrency: 99999999999999999999", 4, 16, "must be in range 1..1024")]
    [InlineData("expect:\n  maxP99Ms: 0", 4, 13, "expect.maxP99Ms: must be greater than 0")]
    [InlineData("expect:\n  minP50Ms: -1", 4, 13, "expect.minP50Ms: must be greater than 0")]
    [InlineData("expect:\n  minGoodput: -1", 4, 15, "expect.minGoodput: must be at least 0")]
    public void Out_of_range_values_name_the_range(string tail, int line, int column, string fragment)
    {
        SingleError(Yaml("name: x", "seed: 1", tail), line, column, fragment);
    }

    [Fact]
    public void Seed_range_is_zero_to_int_max()
    {
        SingleError(Yaml("name: x", "seed: 2147483648"), 2, 7, "seed: must be in range 0..2147483647");
    }

    [Fact]
    public void Customers_cannot_exceed_accounts()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "workload:", "  accounts: 10", "  customers: 11"),
            5, 14, "workload.customers: must be in range 1..10 (at most workload.accounts), found 11");
    }

    [Fact]
    public void Max_amount_cannot_exceed_initial_balance()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "workload:", "  initialBalance: 50", "  maxAmount: 51"),
            5, 14, "workload.maxAmount: must be in range 1..50");
    }

    [Fact]
    public void Invalid_name_is_rejected()
    {
        SingleError(Yaml("name: Base Line", "seed: 1"), 1, 7, "name: must be 1 to 64 characters of a-z, 0-9 and '-'");
    }

    [Fact]
    public void Duplicate_keys_are_all_reported()
    {
        var errors = Errors(Yaml("name: x", "seed: 1", "cluster:", "  silos: 1", "  silos: 2", "seed: 3"));

        Assert.Equal(2, errors.Count);
        AssertError(errors[0], 5, 3, "duplicate key 'silos'");
        AssertError(errors[1], 6, 1, "duplicate key 'seed'");
    }

    [Fact]
    public void Duplicate_key_in_a_flow_mapping_is_reported()
    {
        SingleError(Yaml("name: x", "seed: 1", "attacks: [{kind: replay, kind: replay, start: 0s, stop: 1s}]"), 3, 26, "duplicate key 'kind'");
    }

    [Fact]
    public void Missing_required_key_is_reported_at_the_parent_mapping()
    {
        SingleError(Yaml("# a comment first", "name: x"), 2, 1, "missing required key 'seed'");
    }

    [Fact]
    public void Missing_required_key_of_a_fault_is_reported_at_the_fault_mapping()
    {
        SingleError(
            Yaml("name: x", "seed: 1", "faults:", "  - kind: latency", "    start: 1s"),
            4, 5, "faults[0]: missing required key 'stop'");
    }

    [Fact]
    public void Required_key_with_a_null_value_is_reported_at_the_value()
    {
        SingleError(Yaml("name: x", "seed: ~"), 2, 7, "seed: a value is required");
    }

    [Theory]
    [InlineData("description: a: b", 3, 15, "While scanning a plain scalar value")]
    [InlineData("seed2: [1", 4, 1, "did not find expected ',' or ']'")]
    public void Yaml_syntax_error_is_reported_at_its_mark(string tail, int line, int column, string fragment)
    {
        SingleError(Yaml("name: x", "seed: 1", tail), line, column, "YAML syntax error", fragment);
    }

    [Fact]
    public void Parser_failure_without_a_yaml_exception_is_still_a_positioned_error()
    {
        // YamlDotNet 18.1.0 throws InvalidOperationException (not YamlException) for this input.
        SingleError(Yaml("name: x", "seed: 1", "cluster: {silos", "workload: {}"), 3, 10, "YAML syntax error at or after this point");
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n# only a comment\n")]
    [InlineData("---\n")]
    public void Empty_file_is_reported_at_1_1(string yaml)
    {
        SingleError(yaml, 1, 1, "the file is empty");
    }

    [Theory]
    [InlineData("- name: x\n- seed: 1\n", "found a sequence")]
    [InlineData("# comment\n\njust text\n", "found 'just text'")]
    public void Non_mapping_root_is_reported_at_1_1(string yaml, string fragment)
    {
        SingleError(yaml, 1, 1, "the top level must be a mapping", fragment);
    }

    [Fact]
    public void A_complex_key_under_expect_is_a_positioned_error_not_a_crash()
    {
        // Found by fuzzing: an InvalidCastException escaped the loader (exit 1, no position).
        SingleError(Yaml("name: x", "seed: 1", "expect:", "  faults:", "    ? {a: 1}"), 5, 7, "names as keys");
    }

    [Fact]
    public void Second_document_is_rejected()
    {
        SingleError(Yaml("name: x", "seed: 1", "---", "name: y"), 3, 1, "single YAML document"); // at the '---' marker
        SingleError(Yaml("name: x", "seed: 1", "---"), 3, 1, "single YAML document"); // an empty second document too (found by fuzzing: 4:1 lay past the end)
    }

    [Fact]
    public void Missing_file_gives_a_clear_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}", "missing.yaml");

        var error = Assert.Single(Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(path, Catalog)).Errors);

        Assert.Equal(path, error.File);
        Assert.Equal($"{path}:1:1: scenario file not found", error.ToString());
    }

    [Fact]
    public void Missing_or_empty_suite_folder_is_an_error()
    {
        var folder = Directory.CreateTempSubdirectory("empty-suite-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "readme.md"), "not a scenario");
            var empty = Assert.Throws<ScenarioException>(() => ScenarioLoader.FindSuite(folder));
            Assert.Contains("no *.yaml or *.yml file", empty.Message, StringComparison.Ordinal);

            var missing = Path.Combine(folder, "absent");
            var notFound = Assert.Throws<ScenarioException>(() => ScenarioLoader.FindSuite(missing));
            Assert.Equal($"{missing}:1:1: scenario folder not found", notFound.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
