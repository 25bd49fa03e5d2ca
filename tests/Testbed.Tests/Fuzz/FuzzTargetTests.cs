using System.Security.Cryptography;
using Testbed.Fuzz;
using Testbed.Fuzz.Engine;
using Testbed.Fuzz.Targets;
using Xunit;

namespace Testbed.Tests.Fuzz;

/// <summary>A short run of every fuzz target (the long ones: README "Fuzzing"), and the harness's own pieces.</summary>
public sealed class FuzzTargetTests
{
    public static TheoryData<string> Targets => new(TargetCatalog.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public void A_short_run_finds_no_crash_and_no_forgery(string target)
    {
        var result = TargetCatalog.Run(target, new FuzzOptions(Inputs: 300, Seed: 20260101));

        var unexpected = result.Findings.Where(f => f.Kind != FindingKind.Malleable && !f.Known).Select(f => $"{f.Kind} x{f.Count}: {f.Key}\n{f.Detail}");
        Assert.Empty(unexpected);
        Assert.Equal(300, result.Inputs);
        Assert.False(result.Failed(strict: false));
    }

    [Fact]
    public void A_stateless_target_is_deterministic_given_the_seed()
    {
        var first = TargetCatalog.Run("envelope", new FuzzOptions(2000, 7));
        var second = TargetCatalog.Run("envelope", new FuzzOptions(2000, 7));
        var other = TargetCatalog.Run("envelope", new FuzzOptions(2000, 8));

        Assert.Equal(first.Accepted, second.Accepted);
        Assert.NotEqual(first.Accepted, other.Accepted);
    }

    [Fact]
    public void The_other_ecdsa_form_of_a_signature_verifies_too()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var data = "frame header"u8.ToArray();
        var signature = key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        var other = EnvelopeMutations.OtherEcdsaForm(signature);

        Assert.NotEqual(signature, other);
        Assert.True(key.VerifyData(data, other, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void The_minimizer_keeps_what_the_failure_needs()
    {
        var minimal = Minimizer.Minimize("abc{xyz}def"u8.ToArray(), b => b.Contains((byte)'{') && b.Contains((byte)'}'));

        Assert.Equal("{}"u8.ToArray(), minimal);
    }

    [Theory]
    [InlineData("--inputs", "0")]
    [InlineData("--inputs", "ten")]
    [InlineData("--seed", "-1")]
    [InlineData("--target", "nonsense")]
    [InlineData("--jobs", "0")]
    [InlineData("--frobnicate")]
    [InlineData("--seed")]
    public void Bad_arguments_are_refused(params string[] args) =>
        Assert.False(FuzzArguments.TryParse(args, out _, out var problem) || problem.Length == 0);

    [Fact]
    public void Arguments_parse()
    {
        Assert.True(FuzzArguments.TryParse(["--inputs", "20000", "--seed", "0x2a", "--target", "authz,envelope", "--strict"], out var parsed, out _));

        Assert.Equal((20000L, 42UL, true), (parsed.Inputs, parsed.Seed, parsed.Strict));
        Assert.Equal(["envelope", "authz"], parsed.Targets);
    }
}
