namespace Testbed.Cli;

/// <summary>The process exit codes of <c>testbed</c> (documented in the README).</summary>
public static class ExitCodes
{
    /// <summary>Every expectation held.</summary>
    public const int Passed = 0;
    /// <summary>At least one expectation failed (or a scenario could not complete).</summary>
    public const int ExpectationFailed = 1;
    /// <summary>Bad input: a scenario file, a folder, or a command-line argument.</summary>
    public const int BadInput = 2;
    /// <summary>Cancelled by Ctrl-C or SIGTERM (128 + SIGINT), after what the command started was stopped.</summary>
    public const int Cancelled = 130;
}
