namespace Testbed.Defenses.Session;

/// <summary>Adds the <c>session</c> defense to a pipeline.</summary>
public static class SessionBuilderExtensions
{
    /// <summary>
    /// Adds the session layer (authenticated key exchange per pair of principals). Unless <paramref name="options"/>
    /// says otherwise, it offers and requires every session-keyed protection (encrypt, mac) present in the finished
    /// pipeline.
    /// </summary>
    public static DefensePipelineBuilder AddSession(this DefensePipelineBuilder builder, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddLayer(SessionLayer.LayerName, env => new SessionLayer(options, env, builder.Names));
    }
}
