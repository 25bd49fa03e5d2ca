namespace Testbed.Defenses.Authz;

/// <summary>Adds the authorization defense to a pipeline.</summary>
public static class AuthzBuilderExtensions
{
    /// <summary>Adds the authorization layer ("authz"); it needs no other defense, but without "sign" or "session" it judges claimed senders.</summary>
    public static DefensePipelineBuilder AddAuthz(this DefensePipelineBuilder builder, AuthzOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        options ??= new AuthzOptions();
        return builder.AddLayer("authz", env => new AuthzLayer(options, env));
    }
}
