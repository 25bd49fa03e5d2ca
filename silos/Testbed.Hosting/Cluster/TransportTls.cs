using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Testbed.Hosting.Cluster;

/// <summary>
/// Orleans' own transport TLS (Microsoft.Orleans.Connections.Security) for an embedded cluster: mutual TLS on every
/// silo-to-silo and client-to-gateway connection, each node holding a certificate from the run's
/// <see cref="TransportCredentials"/> and accepting only peers whose certificate chains to the same authority.
/// </summary>
public sealed class TransportTlsOptions
{
    /// <summary>The authority that issues every node's certificate and decides trust (default: a new one per cluster, disposed with it).</summary>
    public TransportCredentials? Credentials { get; init; }

    /// <summary>
    /// The authority the client's certificate comes from (default: <see cref="Credentials"/>). The client always trusts
    /// the cluster's authority (a root certificate is public); a client presenting a certificate of another authority is
    /// a rogue client, and only the silos' check can keep it out.
    /// </summary>
    public TransportCredentials? ClientCredentials { get; init; }

    /// <summary>TLS versions allowed (default TLS 1.3 only).</summary>
    public SslProtocols Protocols { get; init; } = SslProtocols.Tls13;

    /// <summary>Called once per connection, on each end, after its TLS handshake completed (from Orleans' networking threads).</summary>
    public Action<TlsConnectionInfo>? OnConnection { get; init; }
}

/// <summary>Which end of which kind of Orleans connection a <see cref="TlsConnectionInfo"/> describes.</summary>
public enum TlsConnectionSide
{
    /// <summary>A silo accepting a connection from another silo.</summary>
    SiloInbound,
    /// <summary>A silo's gateway accepting a client.</summary>
    GatewayInbound,
    /// <summary>A silo connecting to another silo.</summary>
    SiloOutbound,
    /// <summary>The client connecting to a gateway.</summary>
    ClientOutbound,
}

/// <summary>One end of an established TLS connection, as the TLS layer negotiated it.</summary>
public sealed record TlsConnectionInfo(
    string Node,
    TlsConnectionSide Side,
    SslProtocols Protocol,
    TlsCipherSuite? CipherSuite,
    string LocalSubject,
    string? RemoteSubject,
    bool RemoteTrusted);

/// <summary>Wires <see cref="TransportTlsOptions"/> into silo and client builders.</summary>
public static class TransportTlsExtensions
{
    /// <summary>Mutual TLS on silo <paramref name="node"/>'s silo and gateway listeners and its outbound silo connections.</summary>
    public static ISiloBuilder UseTransportTls(this ISiloBuilder silo, TransportTlsOptions options, TransportCredentials credentials, string node)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        return silo.UseTransportTls(options, credentials.Issue(node), credentials, node);
    }

    /// <summary>
    /// Mutual TLS on silo <paramref name="node"/> presenting <paramref name="certificate"/> (issued elsewhere, e.g. by the
    /// runner of a silo process) and accepting peers that <paramref name="trust"/> trusts.
    /// </summary>
    public static ISiloBuilder UseTransportTls(this ISiloBuilder silo, TransportTlsOptions options, X509Certificate2 certificate, TransportCredentials trust, string node)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(trust);
        silo.UseTls(certificate, tls => Configure(tls, options, trust));
        if (options.OnConnection is { } observe)
        {
            // Registered after UseTls, so these run inside the TLS middleware and see its handshake.
            silo.Configure<SiloConnectionOptions>(c =>
            {
                c.ConfigureSiloInboundConnection(b => b.Use(Observe(node, TlsConnectionSide.SiloInbound, certificate.Subject, trust, observe)));
                c.ConfigureGatewayInboundConnection(b => b.Use(Observe(node, TlsConnectionSide.GatewayInbound, certificate.Subject, trust, observe)));
                c.ConfigureSiloOutboundConnection(b => b.Use(Observe(node, TlsConnectionSide.SiloOutbound, certificate.Subject, trust, observe)));
            });
        }

        return silo;
    }

    /// <summary>
    /// Mutual TLS on the client's gateway connections: presents a certificate issued by <paramref name="presenting"/>
    /// and accepts gateways whose certificate chains to <paramref name="trusting"/>.
    /// </summary>
    public static IClientBuilder UseTransportTls(this IClientBuilder client, TransportTlsOptions options, TransportCredentials presenting, TransportCredentials trusting, string node = "client")
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(presenting);
        ArgumentNullException.ThrowIfNull(trusting);
        var certificate = presenting.Issue(node);
        client.UseTls(certificate, tls => Configure(tls, options, trusting));
        if (options.OnConnection is { } observe)
        {
            client.Configure<ClientConnectionOptions>(c => c.ConfigureConnection(b => b.Use(Observe(node, TlsConnectionSide.ClientOutbound, certificate.Subject, trusting, observe))));
        }

        return client;
    }

    private static void Configure(TlsOptions tls, TransportTlsOptions options, TransportCredentials credentials)
    {
        tls.SslProtocols = options.Protocols;
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate; // servers demand a client certificate: mutual TLS
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.CheckCertificateRevocation = false; // the run's authority publishes no revocation list; runs are short-lived
        tls.RemoteCertificateValidation = (certificate, _, _) => credentials.IsTrusted(certificate); // this authority only, never the system store
    }

    private static Func<ConnectionDelegate, ConnectionDelegate> Observe(string node, TlsConnectionSide side, string localSubject, TransportCredentials credentials, Action<TlsConnectionInfo> observe) =>
        next => context =>
        {
            var handshake = context.Features.Get<ITlsHandshakeFeature>();
            var connection = context.Features.Get<ITlsConnectionFeature>();
            if (handshake is not null)
            {
                var remote = connection?.RemoteCertificate;
                observe(new TlsConnectionInfo(node, side, handshake.Protocol, handshake.NegotiatedCipherSuite,
                    localSubject, remote?.Subject, credentials.IsTrusted(remote)));
            }

            return next(context);
        };
}
