using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;
using System.Text;
using Testbed.Attacks.Api;
using Testbed.Attacks.Faults;
using Testbed.Scenarios;

namespace Testbed.Attacks.Scripting;

/// <summary>
/// Compiles the C# files scenarios name with <c>script:</c> (Roslyn, emitted to memory, loaded into a collectible
/// context), once per distinct source per process: the cache is keyed by the source's SHA-256, so a suite of scenarios
/// naming one script pays one compile, and a changed file (<c>--watch</c>) compiles anew. Thread-safe.
/// </summary>
public static class ScriptCompiler
{
    private static readonly ConcurrentDictionary<string, Lazy<CompiledScript>> Cache = new(StringComparer.Ordinal);
    private static readonly Lazy<MetadataReference[]> References = new(LoadReferences);
    private static readonly SyntaxTree Usings = CSharpSyntaxTree.ParseText(
        SourceText.From(string.Concat(ScriptApi.GlobalUsings.Select(u => $"global using {u};\n")), Encoding.UTF8), Parse, path: "<global usings>");
    private static readonly ConcurrentDictionary<string, int> CompilationsByHash = new(StringComparer.Ordinal);
    private static long _compilations;

    private static CSharpParseOptions Parse => new(LanguageVersion.Latest);

    /// <summary>How many compilations this process ran (cache misses).</summary>
    public static long Compilations => Interlocked.Read(ref _compilations);

    /// <summary>How many times this process compiled the source of SHA-256 <paramref name="hash"/> (1 after any number of loads, until evicted).</summary>
    public static int CompilationsOf(string hash) => CompilationsByHash.GetValueOrDefault(hash);

    /// <summary>The compiled script for <paramref name="source"/>: from the cache when this source compiled before.</summary>
    public static CompiledScript Compile(ScriptSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        // The hash is recomputed, not trusted: an armed entry that crossed a process boundary cannot name another class.
        source = ScriptSource.Of(source.Path, source.Source);
        while (true)
        {
            var lazy = Cache.GetOrAdd(source.Hash, _ => new Lazy<CompiledScript>(() => CompileNow(source)));
            CompiledScript compiled;
            try
            {
                compiled = lazy.Value;
            }
            catch
            {
                Cache.TryRemove(KeyValuePair.Create(source.Hash, lazy)); // a failure (not a compile error) is not cached
                throw;
            }

            if (!compiled.IsUnloaded)
            {
                return compiled;
            }

            Cache.TryRemove(KeyValuePair.Create(source.Hash, lazy)); // unloaded by an eviction racing this call: compile it again
        }
    }

    /// <summary>The kind <paramref name="source"/>'s class declares for <paramref name="role"/>, or every problem (for the scenario loader).</summary>
    public static ScriptCheck Check(ScriptSource source, ScriptRole role) => Compile(source).Check(role);

    /// <summary>
    /// Drops and unloads the cached versions of the files in <paramref name="current"/> (full path → hash of what the file
    /// holds now) other than the current one (<c>--watch</c> after a change); scripts of other files stay.
    /// </summary>
    public static void EvictOlderVersions(IReadOnlyDictionary<string, string?> current)
    {
        foreach (var (hash, lazy) in Cache)
        {
            if (lazy.IsValueCreated && current.TryGetValue(Path.GetFullPath(lazy.Value.Source.Path), out var now) && now != hash
                && Cache.TryRemove(hash, out _))
            {
                lazy.Value.Unload();
            }
        }
    }

    private static CompiledScript CompileNow(ScriptSource source)
    {
        Interlocked.Increment(ref _compilations);
        CompilationsByHash.AddOrUpdate(source.Hash, 1, (_, n) => n + 1);
        var clock = Stopwatch.StartNew();
        var tree = CSharpSyntaxTree.ParseText(SourceText.From(source.Source, Encoding.UTF8), Parse, path: source.Path);
        var name = $"script-{source.Hash[..16]}";
        var compilation = CSharpCompilation.Create(name, [Usings, tree], References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: false));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(Positioned)
            .Concat(ScriptApi.Check(compilation, tree)).Concat(ScriptApi.AsyncVoid(tree)).OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
        if (errors.Count > 0)
        {
            return new CompiledScript(source, errors, clock.Elapsed);
        }

        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        var emitted = compilation.Emit(pe, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
        if (!emitted.Success)
        {
            return new CompiledScript(source, emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(Positioned).ToList(), clock.Elapsed);
        }

        (pe.Position, pdb.Position) = (0, 0);
        var context = new ScriptLoadContext(name);
        (List<Type> Attacks, List<Type> Faults, List<ScriptDiagnostic> Problems) classes;
        try
        {
            classes = Classes(compilation, tree, context.LoadFromStream(pe, pdb));
        }
        catch
        {
            context.Unload(); // a type that does not load: nothing of it stays in memory
            throw;
        }

        var (attacks, faults, problems) = classes;
        if (problems.Count > 0)
        {
            context.Unload();
            return new CompiledScript(source, problems, clock.Elapsed);
        }

        return new CompiledScript(source, [], clock.Elapsed, context, attacks.SingleOrDefault(), faults.SingleOrDefault());
    }

    /// <summary>The script's public attack and fault classes; a problem when it holds neither, or more than one of a kind.</summary>
    private static (List<Type> Attacks, List<Type> Faults, List<ScriptDiagnostic> Problems) Classes(CSharpCompilation compilation, SyntaxTree tree, Assembly assembly)
    {
        var concrete = assembly.GetExportedTypes().Where(t => t is { IsClass: true, IsAbstract: false }).ToArray();
        var attacks = concrete.Where(t => t.IsSubclassOf(typeof(Attack))).ToList();
        var faults = concrete.Where(t => t.IsSubclassOf(typeof(Fault))).ToList();
        var problems = new List<ScriptDiagnostic>();
        if (attacks.Count == 0 && faults.Count == 0)
        {
            problems.Add(new ScriptDiagnostic(1, 1, "error TB0003: the script holds no public, non-abstract class deriving from Attack or Fault"));
        }

        foreach (var extra in attacks.Skip(1).Concat(faults.Skip(1)))
        {
            problems.Add(DeclaredAt(compilation, tree, extra, $"error TB0004: the script holds more than one {(extra.IsSubclassOf(typeof(Attack)) ? "attack" : "fault")} class ({extra.Name}); one file holds one"));
        }

        foreach (var type in attacks.Take(1).Concat(faults.Take(1)).Where(t => t.GetConstructor(Type.EmptyTypes) is null))
        {
            problems.Add(DeclaredAt(compilation, tree, type, $"error TB0005: {type.Name} needs a public constructor without parameters"));
        }

        return (attacks, faults, problems);
    }

    private static ScriptDiagnostic DeclaredAt(CSharpCompilation compilation, SyntaxTree tree, Type type, string message)
    {
        var symbol = compilation.GetTypeByMetadataName(type.FullName ?? type.Name);
        var location = symbol?.Locations.FirstOrDefault(l => l.SourceTree == tree);
        var position = location?.GetLineSpan().StartLinePosition;
        return new ScriptDiagnostic((position?.Line ?? 0) + 1, (position?.Character ?? 0) + 1, message);
    }

    private static ScriptDiagnostic Positioned(Diagnostic d)
    {
        var position = d.Location.GetLineSpan().StartLinePosition;
        return new ScriptDiagnostic(position.Line + 1, position.Character + 1, $"error {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}");
    }

    /// <summary>
    /// The assemblies a script compiles against: the shared framework's and the testbed's as loaded in this process (the
    /// trusted platform assemblies). What a script may name among them is <see cref="ScriptApi"/>'s to say.
    /// </summary>
    private static MetadataReference[] LoadReferences()
    {
        var trusted = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var paths = trusted.Concat([typeof(Attack).Assembly.Location, typeof(ScriptSource).Assembly.Location])
            .Where(p => p.Length > 0 && File.Exists(p)).Distinct(StringComparer.Ordinal);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    }
}
