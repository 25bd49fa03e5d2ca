namespace Testbed.Scenarios;

/// <summary>One problem found in a scenario file, at a 1-based line and column.</summary>
public sealed record ScenarioError(string File, int Line, int Column, string Message)
{
    /// <summary>The error as <c>file:line:column: message</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>Thrown when a scenario file (or suite folder) is invalid; carries every error found.</summary>
public sealed class ScenarioException : Exception
{
    /// <summary>Creates the exception from one or more errors.</summary>
    public ScenarioException(IReadOnlyList<ScenarioError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception from a single error.</summary>
    public ScenarioException(ScenarioError error)
        : this([error])
    {
    }

    /// <summary>All errors, in the order they were found (file order within one file).</summary>
    public IReadOnlyList<ScenarioError> Errors { get; }

    private static string Describe(IReadOnlyList<ScenarioError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A ScenarioException needs at least one error.", nameof(errors));
        }

        return string.Join('\n', errors.Select(e => e.ToString()));
    }
}
