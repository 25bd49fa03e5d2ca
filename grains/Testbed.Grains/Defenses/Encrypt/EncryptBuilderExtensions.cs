using Testbed.Defenses.Session;

namespace Testbed.Defenses.Encrypt;

/// <summary>Adds the <c>encrypt</c> defense to a pipeline.</summary>
public static class EncryptBuilderExtensions
{
    /// <summary>Adds payload encryption (AEAD) under session keys; needs <c>session</c> in the same pipeline.</summary>
    public static DefensePipelineBuilder AddEncrypt(this DefensePipelineBuilder builder, EncryptOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddLayer(EncryptLayer.LayerName, env => new EncryptLayer(options, env), requires: [SessionLayer.LayerName]);
    }
}
