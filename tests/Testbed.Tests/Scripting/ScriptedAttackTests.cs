using Testbed.Attacks.Scripting;
using Testbed.Cli;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Scripting;

/// <summary>Attacks and faults as C# files named by a scenario: compiled when it loads, run where built-in ones run.</summary>
public sealed class ScriptedAttackTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("testbed-script-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Code, string Error)> Cli(params string[] args)
    {
        var error = new StringWriter();
        return (await TestbedCli.RunAsync(args, error), error.ToString());
    }

    private static string Examples(string file) => Path.Combine(AppContext.BaseDirectory, "scenarios", "examples", file);

    /// <summary>A scenario of one scripted attack entry; <paramref name="entry"/> is the rest of the flow mapping.</summary>
    private static string Scenario(string name, string entry, string expect = "") =>
        $"name: {name}\nseed: 3\nworkload: {{accounts: 4, operations: 120, concurrency: 2}}\ndefenses: [none]\nattacks:\n  - {{{entry}}}\nexpect:\n  invariants: all\n{expect}";

    private const string Observer = """
        public sealed class Observer : Attack
        {
            public override AttackInfo Info { get; } = new("observer", "CAPEC-157", null, AdversaryCapabilities.Observe, "records orders");
            public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
            {
                if (envelope.Envelope is { Kind: EnvelopeKind.Order } e) { context.RecordObservation("saw", e.Sender, e.Recipient, e.Kind); }
            }
            public override void Judge(AttackJudgement judgement) { }
        }
        """;

    [Theory]
    [InlineData("01-late-replay-none.yaml", 20, 0)]
    [InlineData("02-late-replay-signed.yaml", 0, 20)]
    public async Task The_tutorial_attack_runs_from_its_script_with_its_verdicts(string file, int succeeded, int detected)
    {
        var result = await ScenarioRunner.RunAsync(ScenarioLoader.LoadFile(Examples(file), TestbedCatalog.Default));

        var attack = Assert.Single(result.Attacks);
        Assert.Equal("late-replay", attack.Kind);
        Assert.Empty(attack.Errors);
        Assert.Equal((20, succeeded, detected), (attack.Attempts, attack.Succeeded, attack.Detected));
        var script = Assert.Single(result.Scripts); // result.json says exactly what ran
        var source = File.ReadAllText(Examples("late-replay.cs"));
        Assert.Equal(("attacks[0]", "late-replay", Examples("late-replay.cs")), (script.Entry, script.Kind, script.Path));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source))), script.Sha256);
        Assert.True(script.CompileMs > 0);
        Assert.True(result.Passed, string.Join("; ", result.Expectations.Where(e => !e.Passed).Select(e => $"{e.Name}: {e.Detail}")));
    }

    [Fact]
    public async Task A_script_that_does_not_compile_gives_every_error_positioned_and_exit_2()
    {
        Write("bad.cs", "using System.IO;\npublic sealed class Bad : Attack\n{\n    public override AttackInfo Info => new(\"bad\", \"CAPEC-1\", null, AdversaryCapabilities.Observe, \"x\");\n    public override void Judge(AttackJudgement j) { var n = missing; File.Delete(\"x\"); }\n}\n");
        var scenario = Write("bad.yaml", Scenario("bad", "script: bad.cs, start: 0s, stop: 1s", "  attacks:\n    bad: {succeeded: \"0\"}\n"));

        var (code, error) = await Cli("run", scenario, "--out", Path.Combine(_dir, "out"), "--quiet");

        Assert.Equal(ExitCodes.BadInput, code);
        var script = Path.Combine(_dir, "bad.cs");
        var entry = $"(attacks[0] at {scenario}:6:5)";
        Assert.Contains($"{script}:1:7: error TB0002: namespace 'System.IO' is not open to scripts", error);
        Assert.Contains($"{script}:5:61: error CS0103: The name 'missing' does not exist in the current context {entry}", error);
        Assert.Contains($"{script}:5:70: error TB0001: 'System.IO.File'", error);
        Assert.Contains($"{scenario}:6:14: attacks[0].script: bad.cs does not compile (3 errors", error);
        Assert.DoesNotContain("unknown attack kind", error); // the expectation names the kind the broken script would declare
        Assert.False(Directory.Exists(Path.Combine(_dir, "out", "bad")));
    }

    [Fact]
    public void A_scripts_options_kind_and_class_are_checked_where_they_are_written()
    {
        Write("observer.cs", Observer);
        Write("two.cs", Observer + Observer.Replace("Observer", "Second", StringComparison.Ordinal));
        ScenarioError[] Errors(string entry) =>
            [.. Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(Write("s.yaml", Scenario("s", entry)), TestbedCatalog.Default)).Errors];

        Assert.Contains(Errors("script: observer.cs, start: 0s, stop: 1s, rate: 5"), e => e is { Line: 6, Column: 48 } && e.Message.Contains("rate", StringComparison.Ordinal)); // at the key
        Assert.Contains(Errors("script: observer.cs, kind: replay, start: 0s, stop: 1s"), e => e.Message.Contains("does not match the kind the script declares, 'observer'", StringComparison.Ordinal));
        Assert.Contains(Errors("script: missing.cs, start: 0s, stop: 1s"), e => e is { Line: 6, Column: 14 } && e.Message.Contains("script file not found", StringComparison.Ordinal));
        Assert.Contains(Errors("script: two.cs, start: 0s, stop: 1s"), e => e.File.EndsWith("two.cs", StringComparison.Ordinal) && e.Message.Contains("TB0004", StringComparison.Ordinal));
        Assert.Contains(Errors("script: observer.cs, start: 0s, stop: 1s, faults: x"), e => e.Message.Contains("faults", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_hook_that_throws_is_recorded_in_the_result_and_the_run_completes()
    {
        Write("thrower.cs", Observer.Replace("context.RecordObservation(\"saw\", e.Sender, e.Recipient, e.Kind);",
            "context.RecordObservation(\"saw\", e.Sender, e.Recipient, e.Kind); throw new InvalidOperationException(\"scripted failure\");", StringComparison.Ordinal));
        var scenario = ScenarioLoader.LoadFile(Write("thrower.yaml", Scenario("thrower", "script: thrower.cs, start: 0s, stop: 5s")), TestbedCatalog.Default);

        var result = await ScenarioRunner.RunAsync(scenario);

        var attack = Assert.Single(result.Attacks);
        Assert.Contains(attack.Errors, e => e.Contains("scripted failure", StringComparison.Ordinal));
        Assert.Equal(120, result.Operations.Ok + result.Operations.Fail + result.Operations.Info); // the workload ran to its end
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name));
        Assert.False(result.Passed); // an attack error fails the run
    }

    [Fact]
    public void Dynamic_and_async_void_are_refused_where_written_and_a_throwing_Configure_is_an_error_not_a_crash()
    {
        Write("late.cs", Observer.Replace("public override void Judge(", "public async void Later() { await Task.Yield(); }\n    public override void Judge(", StringComparison.Ordinal)
            .Replace("public override void Judge(AttackJudgement judgement)", "public override void Judge(AttackJudgement judgement) { dynamic d = judgement; }\n    private void Unused(AttackJudgement judgement)", StringComparison.Ordinal));
        var late = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(Write("late.yaml", Scenario("late", "script: late.cs, start: 0s, stop: 1s")), TestbedCatalog.Default)).Errors;
        Assert.Contains(late, e => e.File.EndsWith("late.cs", StringComparison.Ordinal) && e.Message.Contains("TB0006: 'dynamic'", StringComparison.Ordinal));
        Assert.Contains(late, e => e.File.EndsWith("late.cs", StringComparison.Ordinal) && e.Message.Contains("TB0007: 'Later' is async void", StringComparison.Ordinal));

        Write("parse.cs", Observer.Replace("public override void Judge(", "public override void Configure(AttackOptions options) => int.Parse(options.Text(\"n\", \"x\"));\n    public override void Judge(", StringComparison.Ordinal));
        var parse = Assert.Single(Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(Write("parse.yaml", Scenario("parse", "script: parse.cs, start: 0s, stop: 1s")), TestbedCatalog.Default)).Errors);
        Assert.Contains("threw FormatException", parse.Message, StringComparison.Ordinal);
        Assert.Equal((6, 5), (parse.Line, parse.Column)); // the entry: no option of it is to blame
    }

    [Fact]
    public void Watch_follows_a_script_whose_options_its_Configure_refuses()
    {
        Write("observer.cs", Observer);
        var scenario = Write("w.yaml", Scenario("w", "script: observer.cs, start: 0s, stop: 1s, rate: 5"));

        Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(scenario, TestbedCatalog.Default));
        Assert.Equal([scenario, Path.Combine(_dir, "observer.cs")], Testbed.Cli.Commands.ScenarioWatch.Watched(scenario)); // fixing the script reruns
    }

    [Fact]
    public async Task A_scripted_fault_whose_Eligible_throws_is_recorded_and_the_run_completes()
    {
        Write("brittle.cs", """
            public sealed class Brittle : WireFault
            {
                public override string Kind => "brittle";
                public override string Description => "throws while choosing";
                protected override bool Eligible(WireMessage message) => throw new InvalidOperationException("brittle on purpose");
                protected override ValueTask<InterceptDecision> ActAsync(WireMessage message, CancellationToken cancellationToken) => ValueTask.FromResult(InterceptDecision.Pass);
            }
            """);
        var yaml = "name: brittle\nseed: 3\nworkload: {accounts: 4, operations: 60, concurrency: 2}\nfaults:\n  - {script: brittle.cs, start: 0s, stop: 10s}\nexpect:\n  invariants: all\n";
        var result = await ScenarioRunner.RunAsync(ScenarioLoader.LoadFile(Write("brittle.yaml", yaml), TestbedCatalog.Default));

        var fault = Assert.Single(result.Faults);
        Assert.Contains(fault.Errors, e => e.Contains("pass: InvalidOperationException: brittle on purpose", StringComparison.Ordinal));
        Assert.Equal((60, 0L), (result.Operations.Ok + result.Operations.Fail, result.Operations.Info)); // every message passed: nothing reached a sender
        Assert.False(result.Passed); // the implied errors: 0
    }

    [Fact]
    public void Two_scenarios_naming_one_script_compile_it_once()
    {
        // Content unique to this test: other tests' compilations do not count.
        Write("shared.cs", Observer + $"\n// {Guid.NewGuid()}\n");
        var first = ScenarioLoader.LoadFile(Write("a.yaml", Scenario("a", "script: shared.cs, start: 0s, stop: 1s")), TestbedCatalog.Default);
        var second = ScenarioLoader.LoadFile(Write("b.yaml", Scenario("b", "script: shared.cs, start: 0s, stop: 2s")), TestbedCatalog.Default);

        var hash = first.Attacks[0].Script!.Hash;
        Assert.Equal(hash, second.Attacks[0].Script!.Hash);
        Assert.Equal(1, ScriptCompiler.CompilationsOf(hash));
        Assert.Same(ScriptCompiler.Compile(first.Attacks[0].Script!), ScriptCompiler.Compile(second.Attacks[0].Script!));
    }

    [Theory]
    [InlineData("attack", "count-orders")]
    [InlineData("fault", "slow-debits")]
    [InlineData("attack", "attack")] // class AttackAttack: no name collides with an API type
    [InlineData("fault", "wire-fault")]
    public async Task New_templates_run_as_written(string what, string name)
    {
        Assert.Equal(ExitCodes.Passed, (await Cli("new", what, name, "--dir", _dir)).Code);
        Assert.Equal(ExitCodes.BadInput, (await Cli("new", what, name, "--dir", _dir)).Code); // never overwrites

        var (code, error) = await Cli("run", Path.Combine(_dir, $"{name}.yaml"), "--out", Path.Combine(_dir, "out"), "--quiet");

        Assert.True(code == ExitCodes.Passed, error);
        Assert.True(File.Exists(Path.Combine(_dir, "out", name, "result.json")));
    }

    [Fact]
    public async Task New_refuses_built_in_and_malformed_names()
    {
        Assert.Equal(ExitCodes.BadInput, (await Cli("new", "attack", "replay", "--dir", _dir)).Code);
        Assert.Equal(ExitCodes.BadInput, (await Cli("new", "fault", "Bad_Name", "--dir", _dir)).Code);
        Assert.Empty(Directory.EnumerateFiles(_dir));
    }

    [Fact]
    public async Task Watch_runs_again_when_the_script_changes_and_stops_on_cancel()
    {
        Write("observer.cs", Observer);
        var scenario = Write("watched.yaml", Scenario("watched", "script: observer.cs, start: 0s, stop: 5s"));
        var result = Path.Combine(_dir, "out", "watched", "result.json");
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var error = new StringWriter();
        var watch = TestbedCli.RunAsync(["run", scenario, "--out", Path.Combine(_dir, "out"), "--quiet", "--watch"], error, cancellationToken: stop.Token);

        async Task Until(Func<bool> done)
        {
            while (!done() && !watch.IsCompleted) { await Task.Delay(100); }
        }

        await Until(() => File.Exists(result));
        var firstRun = File.GetLastWriteTimeUtc(result);
        Write("observer.cs", Observer.Replace("records orders", "records orders, edited", StringComparison.Ordinal));
        await Until(() => File.Exists(result) && File.GetLastWriteTimeUtc(result) > firstRun);
        Assert.False(watch.IsCompleted, $"the watch ended before it was cancelled: {error} files: {string.Join(", ", Directory.GetFiles(_dir, "*", SearchOption.AllDirectories))} exists={File.Exists(result)}");
        await stop.CancelAsync();

        Assert.Equal(ExitCodes.Passed, await watch);
        Assert.True(File.GetLastWriteTimeUtc(result) > firstRun, "no second run after the script changed");
    }
}
