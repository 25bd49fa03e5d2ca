namespace Testbed.Defenses.Sign;

/// <summary>Adds the <c>sign</c> layer to a pipeline.</summary>
public static class SignBuilderExtensions
{
    /// <summary>
    /// Adds per-message signatures with principals' long-term keys (<see cref="SignLayer"/>). Cannot be combined with
    /// <c>mac</c> (both own the envelope's tag). The silo needs <c>AddTestbedIdentity</c> (with <see cref="SignOptions.ToIdentityOptions"/>).
    /// </summary>
    public static DefensePipelineBuilder AddSign(this DefensePipelineBuilder builder, SignOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var resolved = options ?? new SignOptions();
        return builder.AddLayer(SignLayer.LayerName, env => new SignLayer(resolved, env), requires: null, excludes: ["mac"]);
    }
}
