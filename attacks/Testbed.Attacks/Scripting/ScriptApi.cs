using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Testbed.Scenarios;

namespace Testbed.Attacks.Scripting;

/// <summary>
/// What a script may name: the namespaces of the testbed's public attack and fault API and a part of the BCL. Every type
/// and member a script names is checked against the list (error <c>TB0001</c>), as is every <c>using</c> (<c>TB0002</c>);
/// types the script declares itself are always allowed. This keeps scripts on the documented API — it is not a sandbox:
/// a script runs in the testbed's process with its rights. <see cref="GlobalUsings"/> are imported into every script.
/// </summary>
public static class ScriptApi
{
    /// <summary>The namespaces a script may use (exactly these: <c>System</c> does not open <c>System.IO</c>).</summary>
    public static IReadOnlyList<string> Namespaces { get; } =
    [
        "System", "System.Buffers", "System.Buffers.Binary", "System.Collections", "System.Collections.Concurrent",
        "System.Collections.Generic", "System.Globalization", "System.Linq", "System.Numerics", "System.Security.Cryptography",
        "System.Text", "System.Text.Json", "System.Text.RegularExpressions", "System.Threading", "System.Threading.Tasks",
        "Testbed.Attacks.Api", "Testbed.Attacks.Faults", "Testbed.Attacks.Faults.Wire", "Testbed.Attacks.Hooks",
        "Testbed.Checking", "Testbed.Defenses", "Testbed.Defenses.Identity", "Testbed.Envelopes", "Testbed.History",
        "Testbed.Scenarios", "Testbed.Services.Payments", "Testbed.Wire", "Testbed.Workload",
    ];

    /// <summary>Types of <c>System</c> a script may not name: they reach the process, not the run.</summary>
    public static IReadOnlyList<string> DeniedTypes { get; } = ["System.Activator", "System.AppDomain", "System.Console", "System.Environment", "System.GC"];

    /// <summary>Imported into every script, as the SDK's implicit usings are into a project.</summary>
    public static IReadOnlyList<string> GlobalUsings { get; } =
    [
        "System", "System.Collections.Concurrent", "System.Collections.Generic", "System.Linq", "System.Threading",
        "System.Threading.Tasks", "Testbed.Attacks.Api", "Testbed.Attacks.Faults", "Testbed.Attacks.Faults.Wire",
        "Testbed.Attacks.Hooks", "Testbed.Envelopes", "Testbed.Wire",
    ];

    private static readonly HashSet<string> Allowed = new(Namespaces, StringComparer.Ordinal);
    private static readonly HashSet<string> Denied = new(DeniedTypes, StringComparer.Ordinal);

    /// <summary>Every use in <paramref name="tree"/> of a namespace or type outside the list, positioned.</summary>
    internal static IEnumerable<ScriptDiagnostic> Check(CSharpCompilation compilation, SyntaxTree tree)
    {
        var model = compilation.GetSemanticModel(tree);
        var root = tree.GetRoot();
        var reported = new HashSet<int>();
        foreach (var directive in root.DescendantNodes().OfType<UsingDirectiveSyntax>())
        {
            if (directive.Alias is null && directive.StaticKeyword.IsKind(SyntaxKind.None) && model.GetSymbolInfo(directive.NamespaceOrType).Symbol is INamespaceSymbol ns
                && !Allowed.Contains(ns.ToDisplayString()))
            {
                reported.Add(directive.NamespaceOrType.SpanStart);
                yield return At(directive.NamespaceOrType, $"error TB0002: namespace '{ns.ToDisplayString()}' is not open to scripts; open: see docs/writing-attacks.md, \"What a script may use\"");
            }
        }

        foreach (var name in root.DescendantNodes().OfType<SimpleNameSyntax>())
        {
            if (name.Ancestors().OfType<UsingDirectiveSyntax>().Any() || reported.Contains(name.SpanStart)
                || (name.Parent is MemberAccessExpressionSyntax access && access.Name == name && reported.Contains(access.Expression.SpanStart)))
            {
                continue;
            }

            var symbol = model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
            if (symbol is IDynamicTypeSymbol)
            {
                reported.Add(name.SpanStart);
                yield return At(name, "error TB0006: 'dynamic' is not open to scripts: its late-bound members escape the namespace check");
            }
            else if (Problem(symbol, compilation.Assembly) is { } problem)
            {
                reported.Add(name.SpanStart);
                yield return At(name, $"error TB0001: {problem}");
            }
        }
    }

    /// <summary>Every <c>async void</c> method: an exception in one is rethrown on the thread pool and ends the process.</summary>
    internal static IEnumerable<ScriptDiagnostic> AsyncVoid(SyntaxTree tree) =>
        tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Where(m => m.Modifiers.Any(SyntaxKind.AsyncKeyword) && m.ReturnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword })
            .Select(m => At(m.Identifier, $"error TB0007: '{m.Identifier.Text}' is async void: an exception in it would end the process, not be recorded; make it a Task (ActAsync) or synchronous"));

    private static string? Problem(ISymbol? symbol, IAssemblySymbol script)
    {
        var type = symbol switch
        {
            null or INamespaceSymbol or ILocalSymbol or IParameterSymbol or ILabelSymbol or IRangeVariableSymbol or IDiscardSymbol or ITypeParameterSymbol => null,
            IMethodSymbol { ReducedFrom: { } extension } => extension.ContainingType,
            INamedTypeSymbol named => named.OriginalDefinition,
            IArrayTypeSymbol or IPointerTypeSymbol or IDynamicTypeSymbol => null,
            _ => symbol.ContainingType?.OriginalDefinition,
        };
        while (type?.ContainingType is { } outer)
        {
            type = outer;
        }

        if (type is null || SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, script))
        {
            return null;
        }

        var ns = type.ContainingNamespace?.ToDisplayString() ?? "";
        var full = ns.Length == 0 ? type.Name : $"{ns}.{type.Name}";
        return !Allowed.Contains(ns) ? $"'{full}' is in namespace '{ns}', which is not open to scripts"
            : Denied.Contains(full) ? $"'{full}' is not open to scripts (it reaches the process, not the run)"
            : null;
    }

    private static ScriptDiagnostic At(SyntaxNode node, string message) => At(node.GetLocation(), message);

    private static ScriptDiagnostic At(SyntaxToken token, string message) => At(token.GetLocation(), message);

    private static ScriptDiagnostic At(Location location, string message)
    {
        var position = location.GetLineSpan().StartLinePosition;
        return new ScriptDiagnostic(position.Line + 1, position.Character + 1, message);
    }
}
