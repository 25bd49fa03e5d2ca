using Microsoft.Extensions.DependencyInjection;

namespace Testbed.Defenses.Identity;

/// <summary>
/// The cluster's certificate authority (grain type "ca", key <see cref="Key"/>): a <see cref="CertificateAuthority"/> in
/// one activation. Its state (CA key, certificates, revocations) lives in memory for the run, so the activation asks not to
/// be collected while idle; if the silo holding it dies, the CA's key and records die with it. It is placed on the silo that
/// first calls it (the embedded cluster calls it from its first silo, which node faults never touch).
/// Certification and revocation are only for the silo hosting the principal (<see cref="PrincipalHost"/>): anyone else is
/// refused with <see cref="UnauthorizedAccessException"/>. The caller is what the runtime stamped on the call, read by this
/// grain's own call filter.
/// </summary>
[GrainType(GrainTypeName)]
[Orleans.Placement.PreferLocalPlacement]
[Orleans.GrainDirectory.GrainDirectory(GrainDirectoryName = Testbed.Hosting.PinnedDirectory.Name)]
public sealed class CertificateAuthorityGrain : Grain, ICertificateAuthority, IIncomingGrainCallFilter
{
    private static readonly AsyncLocal<GrainId?> Caller = new();

    /// <summary>The grain type name.</summary>
    public const string GrainTypeName = "ca";

    /// <summary>The grain key of the one CA.</summary>
    public const string Key = "ca";

    private readonly CertificateAuthority _ca;

    /// <summary>Creates the CA; a <see cref="TimeProvider"/> registered on the silo stamps its records (else the system clock).</summary>
    public CertificateAuthorityGrain(IServiceProvider services) =>
        _ca = new CertificateAuthority(Testbed.Time.ServiceClock.Resolve(services));

    /// <summary>
    /// The cluster's CA. Addressed by grain id (type "ca", key "ca"), so it resolves even where other classes implement
    /// <see cref="ICertificateAuthority"/> (e.g. test fakes).
    /// </summary>
    public static ICertificateAuthority Reference(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<ICertificateAuthority>(GrainId.Create(GrainTypeName, Key));
    }

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        DelayDeactivation(TimeSpan.MaxValue);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _ca.Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<CaInfo> GetInfo() => Task.FromResult(_ca.Info);

    /// <summary>Runs each call with the caller the runtime stamped on it (the call's source grain) as <see cref="Caller"/>.</summary>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Caller.Value = context.SourceId; // an async method: the value ends with this call
        await context.Invoke();
    }

    /// <inheritdoc />
    public async Task<Certificate> Certify(string principal, SignatureAlgorithm algorithm, byte[] publicKey)
    {
        await EnsureHostedByCallerAsync(principal, "certify");
        return _ca.Certify(principal, algorithm, publicKey);
    }

    /// <inheritdoc />
    public Task<Certificate?> GetCertificate(string principal, int version) => Task.FromResult(_ca.GetCertificate(principal, version));

    /// <inheritdoc />
    public Task<CertificateAnswer> FindCertificate(string principal, int version) => Task.FromResult(_ca.Find(principal, version));

    /// <inheritdoc />
    public async Task Revoke(string principal, int version, string reason)
    {
        await EnsureHostedByCallerAsync(principal, "revoke");
        _ca.Revoke(principal, version, reason);
    }

    private async Task EnsureHostedByCallerAsync(string principal, string action)
    {
        if (!Envelopes.PrincipalId.IsValid(principal))
        {
            throw new ArgumentException($"'{principal}' is not a valid principal id (1..64 bytes of [a-z0-9._/-])", nameof(principal));
        }

        var caller = Caller.Value;
        if (await PrincipalHost.RefusalAsync(GrainFactory, caller, principal) is { } refusal)
        {
            throw new UnauthorizedAccessException($"the CA does not {action} {principal} for {caller?.ToString() ?? "an unknown caller"}: {refusal}");
        }
    }

    /// <inheritdoc />
    public Task<RevocationBatch> GetRevocations(long sinceEpoch) => Task.FromResult(_ca.GetRevocations(sinceEpoch));
}
