using Microsoft.Extensions.DependencyInjection;
using Testbed.Attacks.Api;

namespace Testbed.Attacks.Hosting;

/// <summary>
/// What a silo offers the adversary grains it hosts: the attacks they can be armed with, the run's clock, and — when
/// the run has identities — the compromise hooks (key hand-over and the defender's revocation). The wire hooks come
/// from the silo's own services (the run's <see cref="Wire.WireHooks"/>).
/// </summary>
public sealed class AdversaryEnvironment
{
    /// <summary>An environment with <paramref name="attacks"/> (default: the built-in ones).</summary>
    public AdversaryEnvironment(AttackCatalog? attacks = null, CompromiseHooks? compromise = null, TimeProvider? time = null)
    {
        Attacks = attacks ?? AttackCatalog.Builtin;
        Compromise = compromise;
        Time = time ?? TimeProvider.System;
    }

    /// <summary>The attacks adversaries on this silo can run.</summary>
    public AttackCatalog Attacks { get; }

    /// <summary>Key hand-over and revocation, or null when the run offers no identities.</summary>
    public CompromiseHooks? Compromise { get; }

    /// <summary>The clock of the attacks' windows and attempts.</summary>
    public TimeProvider Time { get; }

    /// <summary>
    /// How long closing waits for an attack's actions to stop after its window closed before it records an error and
    /// detaches it anyway (an attack that ignores its cancellation must not hang the run). Measured on <see cref="Time"/>.
    /// </summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>Registers adversary hosting on a silo.</summary>
public static class AdversarySiloBuilderExtensions
{
    /// <summary>
    /// Lets this silo host adversary grains, armed from <paramref name="environment"/>. Needs the Testbed wire on the
    /// silo (<c>AddTestbedWire</c> or <c>AddPaymentsTestbed</c>): adversaries attach to its hooks.
    /// </summary>
    public static ISiloBuilder AddTestbedAdversaries(this ISiloBuilder builder, AdversaryEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(environment);
        Testbed.Hosting.PinnedDirectory.AddTestbedPinnedDirectory(builder);
        builder.Services.AddSingleton(environment);
        return builder;
    }
}
