using System.Text.RegularExpressions;
using Testbed.Envelopes;

namespace Testbed.Defenses.Authz;

/// <summary>How a <see cref="PrincipalPattern"/> matches.</summary>
public enum PrincipalPatternKind
{
    /// <summary><c>*</c>: any principal.</summary>
    Any,
    /// <summary><c>service/*</c>: any key of one service.</summary>
    AnyKey,
    /// <summary><c>service/{n}</c>: a numeric key of one service, bound to a variable.</summary>
    NumericVariable,
    /// <summary><c>service/key</c>: exactly one principal.</summary>
    Exact,
}

/// <summary>
/// A principal pattern of an authorization rule: <c>*</c> (any principal), <c>service/*</c> (any key),
/// <c>service/{n}</c> (a numeric key, bound to variable n; the same variable in a rule's from and to must bind the
/// same number), or an exact principal id such as <c>customer/3</c>. Numeric keys must be canonical (no leading
/// zeros, at most 18 digits); anything else does not match, so odd spellings are denied.
/// </summary>
public sealed partial class PrincipalPattern
{
    private PrincipalPattern(string text, PrincipalPatternKind kind, string service, string? variable)
    {
        Text = text;
        Kind = kind;
        Service = service;
        Variable = variable;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>How it matches.</summary>
    public PrincipalPatternKind Kind { get; }

    /// <summary>The service name ("" for <see cref="PrincipalPatternKind.Any"/>; the whole id for <see cref="PrincipalPatternKind.Exact"/>).</summary>
    public string Service { get; }

    /// <summary>The variable name of a <see cref="PrincipalPatternKind.NumericVariable"/> pattern.</summary>
    public string? Variable { get; }

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string text, out PrincipalPattern? pattern, out string error)
    {
        pattern = null;
        error = "";
        if (text == "*")
        {
            pattern = new PrincipalPattern(text, PrincipalPatternKind.Any, "", null);
            return true;
        }

        var slash = text.IndexOf('/');
        if (slash <= 0 || slash == text.Length - 1)
        {
            error = $"'{text}' is not a principal pattern: write '*', 'service/*', 'service/{{n}}' or an id such as 'customer/3'";
            return false;
        }

        var service = text[..slash];
        var key = text[(slash + 1)..];
        if (!ServiceName().IsMatch(service))
        {
            error = $"'{text}': the service name '{service}' must be 1 or more of [a-z0-9._-]";
            return false;
        }

        if (key == "*")
        {
            pattern = new PrincipalPattern(text, PrincipalPatternKind.AnyKey, service, null);
        }
        else if (key.StartsWith('{') && key.EndsWith('}'))
        {
            var name = key[1..^1];
            if (!VariableName().IsMatch(name))
            {
                error = $"'{text}': a variable is written {{name}} with a name of [a-z][a-z0-9_]*";
                return false;
            }

            pattern = new PrincipalPattern(text, PrincipalPatternKind.NumericVariable, service, name);
        }
        else if (key.AsSpan().ContainsAny('*', '{', '}'))
        {
            error = $"'{text}': a wildcard must be the whole key: use 'service/*' or 'service/{{n}}'";
            return false;
        }
        else if (!PrincipalId.IsValid(text))
        {
            error = $"'{text}' is not a valid principal id (1..64 of [a-z0-9._/-])";
            return false;
        }
        else
        {
            pattern = new PrincipalPattern(text, PrincipalPatternKind.Exact, text, null);
        }

        return true;
    }

    /// <summary>True when <paramref name="principal"/> matches; <paramref name="number"/> is the bound key of a variable pattern.</summary>
    public bool Matches(string principal, out ulong number)
    {
        number = 0;
        switch (Kind)
        {
            case PrincipalPatternKind.Any:
                return true;
            case PrincipalPatternKind.Exact:
                return string.Equals(principal, Service, StringComparison.Ordinal);
        }

        var id = principal.AsSpan();
        if (id.Length <= Service.Length + 1 || !id.StartsWith(Service, StringComparison.Ordinal) || id[Service.Length] != '/')
        {
            return false;
        }

        var key = id[(Service.Length + 1)..];
        return Kind == PrincipalPatternKind.AnyKey || TryCanonicalNumber(key, out number);
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    private static bool TryCanonicalNumber(ReadOnlySpan<char> key, out ulong number)
    {
        number = 0;
        if (key.Length is 0 or > 18 || (key.Length > 1 && key[0] == '0'))
        {
            return false;
        }

        foreach (var c in key)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            number = (number * 10) + (ulong)(c - '0');
        }

        return true;
    }

    [GeneratedRegex(@"^[a-z0-9._-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceName();

    [GeneratedRegex(@"^[a-z][a-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();
}
