using Testbed.Scenarios;
using Xunit;
using static Testbed.Tests.Scenarios.ScenarioTestSupport;

namespace Testbed.Tests.Scenarios;

public class ScenarioLoaderValidTests
{
    private static readonly string FullFile = Yaml(
        "name: full-run-1",
        "description: \"every key, given\"",
        "seed: 2147483647",
        "cluster:",
        "  silos: 3",
        "workload:",
        "  accounts: 50",
        "  customers: 40",
        "  initialBalance: 5000",
        "  duration: 1.5s",
        "  mode: open",
        "  concurrency: 16",
        "  rate: 250.5",
        "  readFraction: 0.35",
        "  maxAmount: 75",
        "  paddingBytes: 128",
        "  paymentShards: 4",
        "  idempotentOrders: false",
        "defenses: [idempotency-keys, rate-limit]",
        "faults:",
        "  - kind: silo-crash",
        "    start: 500ms",
        "    stop: 2m",
        "    silo: 1",
        "    mode: 'hard'",
        "attacks:",
        "  - {kind: replay, start: 0s, stop: 10s}",
        "expect:",
        "  invariants: [exactly-once, conservation]",
        "  minGoodput: 12.5",
        "  maxP99Ms: 250",
        "  minP50Ms: 0.5");

    [Fact]
    public void Full_file_parses_to_the_values_written()
    {
        var scenario = Parse(FullFile);

        Assert.Equal("full-run-1", scenario.Name);
        Assert.Equal("every key, given", scenario.Description);
        Assert.Equal(int.MaxValue, scenario.Seed);
        Assert.Equal(new ClusterSpec { Silos = 3 }, scenario.Cluster);
        var expectedWorkload = new WorkloadSpec
        {
            Accounts = 50,
            Customers = 40,
            InitialBalance = 5000,
            Operations = null,
            Duration = TimeSpan.FromMilliseconds(1500),
            Mode = LoadMode.Open,
            Concurrency = 16,
            Rate = 250.5,
            ReadFraction = 0.35,
            MaxAmount = 75,
            PaddingBytes = 128,
            PaymentShards = 4,
            IdempotentOrders = false,
        };
        Assert.Equal(expectedWorkload, scenario.Workload);
        Assert.Equal(["idempotency-keys", "rate-limit"], scenario.Defenses);
        Assert.Equal(Source, scenario.SourcePath);

        var fault = Assert.Single(scenario.Faults);
        Assert.Equal("silo-crash", fault.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(500), fault.Start);
        Assert.Equal(TimeSpan.FromMinutes(2), fault.Stop);
        Assert.Equal(new Dictionary<string, string> { ["silo"] = "1", ["mode"] = "hard" }, fault.Options);
        Assert.Equal((21, 5), (fault.Line, fault.Column));

        var attack = Assert.Single(scenario.Attacks);
        Assert.Equal(("replay", TimeSpan.Zero, TimeSpan.FromSeconds(10)), (attack.Kind, attack.Start, attack.Stop));
        Assert.Empty(attack.Options);
        Assert.Equal((27, 5), (attack.Line, attack.Column));

        Assert.Equal(["exactly-once", "conservation"], scenario.Expect.Invariants);
        Assert.Equal(12.5, scenario.Expect.MinGoodput);
        Assert.Equal(250, scenario.Expect.MaxP99Ms);
        Assert.Equal(0.5, scenario.Expect.MinP50Ms);
    }

    [Fact]
    public void Minimal_file_gets_every_default()
    {
        var scenario = Parse(Yaml("name: baseline", "seed: 42"));

        Assert.Equal("baseline", scenario.Name);
        Assert.Null(scenario.Description);
        Assert.Equal(42, scenario.Seed);
        Assert.Equal(2, scenario.Cluster.Silos);
        var w = scenario.Workload;
        Assert.Equal((20, 20, 1000L), (w.Accounts, w.Customers, w.InitialBalance));
        Assert.Equal(1000, w.Operations);
        Assert.Null(w.Duration);
        Assert.Equal((LoadMode.Closed, 8), (w.Mode, w.Concurrency));
        Assert.Null(w.Rate);
        Assert.Equal((0.2, 100L, 0, 2, true), (w.ReadFraction, w.MaxAmount, w.PaddingBytes, w.PaymentShards, w.IdempotentOrders));
        Assert.Empty(scenario.Defenses);
        Assert.Empty(scenario.Faults);
        Assert.Empty(scenario.Attacks);
        Assert.Equal(Catalog.Invariants, scenario.Expect.Invariants);
        Assert.Equal(0, scenario.Expect.MinGoodput);
        Assert.Null(scenario.Expect.MaxP99Ms);
        Assert.Null(scenario.Expect.MinP50Ms);
    }

    [Fact]
    public void Customers_default_to_accounts_and_max_amount_is_capped_by_a_small_balance()
    {
        var w = Parse(Yaml("name: a", "seed: 0", "workload:", "  accounts: 7", "  initialBalance: 40")).Workload;

        Assert.Equal(7, w.Customers);
        Assert.Equal(40, w.MaxAmount);
    }

    [Fact]
    public void Null_sections_mean_defaults_and_all_expands_to_every_invariant()
    {
        var scenario = Parse(Yaml(
            "name: a", "seed: 1", "description: ~", "cluster:", "workload:", "defenses:", "faults: []",
            "expect:", "  invariants: all", "  minGoodput: 0"));

        Assert.Null(scenario.Description);
        Assert.Equal(new ClusterSpec(), scenario.Cluster);
        Assert.Equal(new WorkloadSpec(), scenario.Workload);
        Assert.Empty(scenario.Defenses);
        Assert.Equal(["conservation", "no-negative-balance", "exactly-once"], scenario.Expect.Invariants);
    }

    [Fact]
    public void Empty_invariant_list_means_none()
    {
        Assert.Empty(Parse(Yaml("name: a", "seed: 1", "expect:", "  invariants: []")).Expect.Invariants);
    }

    [Fact]
    public void Duration_workload_has_no_operation_count()
    {
        var w = Parse(Yaml("name: a", "seed: 1", "workload:", "  duration: 10s")).Workload;

        Assert.Null(w.Operations);
        Assert.Equal(TimeSpan.FromSeconds(10), w.Duration);
    }

    [Fact]
    public void Load_file_reads_from_disk_and_records_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, Yaml("name: from-disk", "seed: 9"));
        try
        {
            var scenario = ScenarioLoader.LoadFile(path, Catalog);

            Assert.Equal(("from-disk", 9, path), (scenario.Name, scenario.Seed, scenario.SourcePath));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Find_suite_lists_yaml_files_in_the_folder_sorted_ordinally()
    {
        var folder = Directory.CreateTempSubdirectory("suite-").FullName;
        try
        {
            foreach (var name in new[] { "b.yaml", "a.yml", "C.YAML", "notes.txt", "x.yaml.bak" })
            {
                File.WriteAllText(Path.Combine(folder, name), "");
            }

            Directory.CreateDirectory(Path.Combine(folder, "nested"));
            File.WriteAllText(Path.Combine(folder, "nested", "d.yaml"), "");

            var suite = ScenarioLoader.FindSuite(folder);

            Assert.Equal(["C.YAML", "a.yml", "b.yaml"], suite.Select(Path.GetFileName));
            Assert.All(suite, path => Assert.True(Path.IsPathFullyQualified(path)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
