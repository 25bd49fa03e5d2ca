namespace Testbed.Defenses.Authz;

/// <summary>Options of the authorization defense (scenario key: policy).</summary>
public sealed record AuthzOptions
{
    /// <summary>The option keys <see cref="FromSettings"/> accepts.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["policy"];

    /// <summary>Defaults as a scenario writes them: none (without <c>policy</c> the built-in payments policy applies).</summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The policy enforced (default: <see cref="AuthzPolicy.PaymentsDefault"/>).</summary>
    public AuthzPolicy Policy { get; init; } = AuthzPolicy.PaymentsDefault;

    /// <summary>
    /// Reads the scenario's raw option strings: <c>policy</c> is the path of a policy YAML file (relative paths
    /// resolve against the current directory), or the policy itself written inline as a YAML block scalar
    /// (<c>policy: |</c> followed by the <c>allow:</c> list; recognised by its line breaks); without it the built-in
    /// payments policy applies. Unknown keys, a
    /// missing file and an invalid file throw <see cref="ArgumentException"/>; for an invalid file its message lists
    /// every error as file:line:column and its inner exception is the <see cref="AuthzPolicyException"/>.
    /// </summary>
    public static AuthzOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var key in settings.Keys.Where(k => !Keys.Contains(k, StringComparer.Ordinal)))
        {
            throw new ArgumentException($"unknown authz option '{key}'; allowed: {string.Join(", ", Keys)}");
        }

        if (!settings.TryGetValue("policy", out var path))
        {
            return new AuthzOptions();
        }

        if (path.Contains('\n', StringComparison.Ordinal))
        {
            try
            {
                return new AuthzOptions { Policy = AuthzPolicy.Parse(path, "inline authz policy") };
            }
            catch (AuthzPolicyException e)
            {
                throw new ArgumentException($"authz option 'policy': invalid inline policy:\n{e.Message}", e);
            }
        }

        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new ArgumentException($"authz option 'policy' must be the path of an existing policy YAML file, not '{path}'");
        }

        try
        {
            return new AuthzOptions { Policy = AuthzPolicy.LoadFile(path) };
        }
        catch (AuthzPolicyException e)
        {
            throw new ArgumentException($"authz option 'policy': invalid policy file:\n{e.Message}", e);
        }
    }
}
