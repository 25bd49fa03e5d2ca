namespace Testbed.Defenses.RateLimit;

/// <summary>Adds the rate-limit defense to a pipeline.</summary>
public static class RateLimitBuilderExtensions
{
    /// <summary>Adds the rate-limit layer ("ratelimit"); it needs no other defense.</summary>
    public static DefensePipelineBuilder AddRateLimit(this DefensePipelineBuilder builder, RateLimitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        options ??= new RateLimitOptions();
        options.Validate();
        return builder.AddLayer("ratelimit", env => new RateLimitLayer(options, env));
    }
}
