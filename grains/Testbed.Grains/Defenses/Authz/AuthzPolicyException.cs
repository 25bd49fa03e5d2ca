namespace Testbed.Defenses.Authz;

/// <summary>One problem in an authorization policy file, at a 1-based line and column.</summary>
public sealed record AuthzPolicyError(string File, int Line, int Column, string Message)
{
    /// <summary>The error as <c>file:line:column: message</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>Thrown when an authorization policy is invalid; carries every error found, in file order.</summary>
public sealed class AuthzPolicyException : Exception
{
    /// <summary>Creates the exception from one or more errors.</summary>
    public AuthzPolicyException(IReadOnlyList<AuthzPolicyError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    /// <summary>All errors, in file order.</summary>
    public IReadOnlyList<AuthzPolicyError> Errors { get; }

    private static string Describe(IReadOnlyList<AuthzPolicyError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("An AuthzPolicyException needs at least one error.", nameof(errors));
        }

        return string.Join('\n', errors.Select(e => e.ToString()));
    }
}
