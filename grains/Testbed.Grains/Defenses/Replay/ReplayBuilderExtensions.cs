namespace Testbed.Defenses.Replay;

/// <summary>Adds the replay defense to a pipeline.</summary>
public static class ReplayBuilderExtensions
{
    /// <summary>
    /// Adds the replay layer ("replay"). Window mode (the default) requires the "session" defense, whose session ids
    /// key the windows; timestamp mode requires nothing (pair it with "sign" so the nonce and timestamp are covered).
    /// </summary>
    public static DefensePipelineBuilder AddReplay(this DefensePipelineBuilder builder, ReplayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        options ??= new ReplayOptions();
        options.Validate();
        string[] requires = options.Mode == ReplayMode.Window ? ["session"] : [];
        return builder.AddLayer("replay", env => new ReplayLayer(options, env), requires);
    }
}
