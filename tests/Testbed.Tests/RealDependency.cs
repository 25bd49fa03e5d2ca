namespace Testbed.Tests;

/// <summary>
/// Tools some tests need from the machine (redis-server, chromium). Outside CI a missing tool skips those tests with a
/// message; under CI (<c>CI=true</c>, as <c>.ci/run</c> sets) it fails them instead, so CI cannot go green without
/// having run them.
/// </summary>
internal static class RealDependency
{
    /// <summary>True when the environment says this is a CI run (<c>CI=true</c>): missing tools fail their tests.</summary>
    public static bool Required => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>The skip reason for a test needing a tool found at <paramref name="path"/>: null when found, or under CI.</summary>
    public static string? SkipReason(string? path, string missing) => path is null && !Required ? missing : null;

    /// <summary>The path of a tool a test is about to use; under CI a missing one fails the test, saying why.</summary>
    public static string Require(string? path, string missing) =>
        path ?? throw new InvalidOperationException($"{missing} — and CI=true, so the test fails instead of skipping");
}
