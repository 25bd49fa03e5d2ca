using Testbed.Defenses.Session;

namespace Testbed.Defenses.Mac;

/// <summary>Adds the <c>mac</c> defense to a pipeline.</summary>
public static class MacBuilderExtensions
{
    /// <summary>
    /// Adds per-message HMAC-SHA256 under session keys; needs <c>session</c> and cannot be combined with <c>sign</c>
    /// (both own the envelope tag).
    /// </summary>
    public static DefensePipelineBuilder AddMac(this DefensePipelineBuilder builder, MacOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddLayer(MacLayer.LayerName, env => new MacLayer(options, env), requires: [SessionLayer.LayerName], excludes: ["sign"]);
    }
}
