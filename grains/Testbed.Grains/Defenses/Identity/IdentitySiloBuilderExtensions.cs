using Testbed.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Testbed.Defenses.Identity;

/// <summary>Registers identities on a silo.</summary>
public static class IdentitySiloBuilderExtensions
{
    /// <summary>
    /// Adds <paramref name="options"/> (defaults when null), the silo's <see cref="KeyStore"/> (also as <see cref="IKeyStore"/>)
    /// and <see cref="TrustStore"/> (also as <see cref="ITrustStore"/>), both talking to the cluster's CA grain
    /// (<see cref="CertificateAuthorityGrain.Key"/>). A <see cref="TimeProvider"/> registered on the silo drives revocation
    /// polling; otherwise the system clock. The CA grain itself is part of this assembly and activates on first use.
    /// </summary>
    public static ISiloBuilder AddTestbedIdentity(this ISiloBuilder builder, IdentityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        options ??= new IdentityOptions();
        options.Validate();
        builder.AddTestbedPinnedDirectory(); // the CA's: it must outlive the loss of any silo but its own
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new KeyStore(CertificateAuthorityOf(sp), options));
        builder.Services.AddSingleton<IKeyStore>(sp => sp.GetRequiredService<KeyStore>());
        builder.Services.AddSingleton(sp => new TrustStore(CertificateAuthorityOf(sp), options, Testbed.Time.ServiceClock.Resolve(sp)));
        builder.Services.AddSingleton<ITrustStore>(sp => sp.GetRequiredService<TrustStore>());
        return builder;
    }

    private static ICertificateAuthority CertificateAuthorityOf(IServiceProvider services) =>
        CertificateAuthorityGrain.Reference(services.GetRequiredService<IGrainFactory>());
}
