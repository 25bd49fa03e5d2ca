using System.Security.Cryptography;
using System.Text;

namespace Testbed.Scenarios;

/// <summary>Which base class a script's entry needs: an <c>attacks:</c> entry an attack, a <c>faults:</c> entry a fault.</summary>
public enum ScriptRole
{
    /// <summary>A class deriving from <c>Testbed.Attacks.Api.Attack</c>.</summary>
    Attack,
    /// <summary>A class deriving from <c>Testbed.Attacks.Faults.Fault</c>.</summary>
    Fault,
}

/// <summary>
/// The C# source a scenario entry names with <c>script:</c>: where it was read from (for messages), its text, and the
/// SHA-256 of that text (hex), by which compilations are cached. An armed entry carries it whole, so a silo in another
/// process compiles the same source rather than trusting a path.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ScriptSource(
    [property: Id(0)] string Path,
    [property: Id(1)] string Source,
    [property: Id(2)] string Hash)
{
    /// <summary>A script of <paramref name="source"/> text, read from <paramref name="path"/>.</summary>
    public static ScriptSource Of(string path, string source)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(source);
        return new(path, source, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source))));
    }
}

/// <summary>One problem of a script, at a 1-based line and column of the script file (e.g. <c>error CS0103: …</c>).</summary>
public sealed record ScriptDiagnostic(int Line, int Column, string Message);

/// <summary>What loading a script found: the kind its class declares, or every problem at once (then no kind).</summary>
public sealed record ScriptCheck(string? Kind, IReadOnlyList<ScriptDiagnostic> Errors)
{
    /// <summary>A script that failed with one problem at <paramref name="line"/>:<paramref name="column"/>.</summary>
    public static ScriptCheck Failed(int line, int column, string message) => new(null, [new ScriptDiagnostic(line, column, message)]);
}
