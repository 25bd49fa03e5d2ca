using System.Reflection;
using System.Runtime.Loader;
using Testbed.Attacks.Api;
using Testbed.Attacks.Faults;
using Testbed.Scenarios;

namespace Testbed.Attacks.Scripting;

/// <summary>
/// One compiled script: its errors, or the assembly (in its own collectible <see cref="AssemblyLoadContext"/>) and the
/// one public attack or fault class it holds. Creates a fresh instance per entry, like a catalog factory.
/// </summary>
public sealed class CompiledScript
{
    private readonly ScriptLoadContext? _context;

    internal CompiledScript(ScriptSource source, IReadOnlyList<ScriptDiagnostic> errors, TimeSpan compileTime, ScriptLoadContext? context = null,
        Type? attack = null, Type? fault = null)
    {
        (Source, Errors, CompileTime, _context, AttackType, FaultType) = (source, errors, compileTime, context, attack, fault);
    }

    /// <summary>The source it was compiled from.</summary>
    public ScriptSource Source { get; }

    /// <summary>Every problem (compile errors, API checks, the class it must hold), positioned in the script; empty when it loaded.</summary>
    public IReadOnlyList<ScriptDiagnostic> Errors { get; }

    /// <summary>How long compiling, emitting and loading took.</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>The script's public class deriving from <see cref="Attack"/>, or null.</summary>
    public Type? AttackType { get; }

    /// <summary>The script's public class deriving from <see cref="Fault"/>, or null.</summary>
    public Type? FaultType { get; }

    /// <summary>True once <see cref="Unload"/> was called.</summary>
    public bool IsUnloaded { get => _unloaded; private set => _unloaded = value; }

    private volatile bool _unloaded;

    /// <summary>A new instance of the script's attack; <see cref="ArgumentException"/> naming the script when it has none or its constructor throws.</summary>
    public Attack NewAttack() => New<Attack>(AttackType, "attack");

    /// <summary>A new instance of the script's fault; <see cref="ArgumentException"/> as for <see cref="NewAttack"/>.</summary>
    public Fault NewFault() => New<Fault>(FaultType, "fault");

    /// <summary>The kind the script's class declares for <paramref name="role"/>, or every problem, positioned.</summary>
    public ScriptCheck Check(ScriptRole role)
    {
        if (Errors.Count > 0)
        {
            return new ScriptCheck(null, Errors);
        }

        try
        {
            return role == ScriptRole.Attack ? new ScriptCheck(NewAttack().Info.Kind, []) : new ScriptCheck(NewFault().Kind, []);
        }
        catch (ArgumentException ex)
        {
            return ScriptCheck.Failed(1, 1, ex.Message);
        }
        catch (Exception ex)
        {
            return ScriptCheck.Failed(1, 1, $"reading the class's {(role == ScriptRole.Attack ? "Info" : "Kind")} threw {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Unloads the script's assembly (when no instance is left alive); its types must not be used afterwards.</summary>
    public void Unload()
    {
        if (_context is not null && !IsUnloaded)
        {
            IsUnloaded = true;
            _context.Unload();
        }
    }

    private T New<T>(Type? type, string what) where T : class
    {
        if (Errors.Count > 0)
        {
            throw new ArgumentException($"{Source.Path}: does not compile: {string.Join("; ", Errors.Take(3).Select(e => $"{e.Line}:{e.Column}: {e.Message}"))}");
        }

        if (type is null)
        {
            throw new ArgumentException($"{Source.Path} holds no public class deriving from {typeof(T).Name}: it is not a {what} script");
        }

        ObjectDisposedException.ThrowIf(IsUnloaded, this);
        try
        {
            return (T)Activator.CreateInstance(type)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
        {
            throw new ArgumentException($"{Source.Path}: the constructor of {type.Name} threw {inner.GetType().Name}: {inner.Message}", ex);
        }
    }
}

/// <summary>A collectible load context per script; everything else (the testbed's API, the BCL) resolves from the default context.</summary>
internal sealed class ScriptLoadContext(string name) : AssemblyLoadContext(name, isCollectible: true)
{
    protected override Assembly? Load(AssemblyName assemblyName) => null;
}
