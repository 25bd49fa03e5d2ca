using System.Collections.Concurrent;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Testbed.Hosting.Cluster;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Cluster;

/// <summary>
/// Orleans transport TLS on the embedded cluster: every connection really runs mutual TLS 1.3 with certificates from
/// the run's authority (observed inside the TLS middleware, on both ends), and a client whose certificate comes from
/// another authority cannot connect at all.
/// </summary>
public sealed class TransportTlsTests
{
    [Fact]
    public void Authority_trusts_exactly_the_certificates_it_issued()
    {
        using var run = TransportCredentials.Create("run");
        using var other = TransportCredentials.Create("run");
        var mine = run.Issue("silo-0");
        var foreign = other.Issue("silo-0");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var selfSigned = new CertificateRequest("CN=silo-0", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));

        Assert.True(mine.HasPrivateKey);
        Assert.Equal("CN=silo-0", mine.Subject);
        Assert.True(run.IsTrusted(mine));
        Assert.False(run.IsTrusted(foreign)); // same names, different authority
        Assert.False(other.IsTrusted(mine));
        Assert.False(run.IsTrusted(selfSigned));
        Assert.False(run.IsTrusted(null));
        Assert.NotEqual(run.AuthoritySubject, other.AuthoritySubject);
    }

    [Fact]
    public async Task Every_connection_of_a_run_is_mutual_tls_13_between_nodes_of_the_run_authority()
    {
        using var credentials = TransportCredentials.Create();
        var seen = new ConcurrentQueue<TlsConnectionInfo>();
        var scenario = ScenarioLoader.Parse(
            "name: tls\nseed: 3\ncluster:\n  silos: 2\nworkload:\n  accounts: 8\n  operations: 200\n  concurrency: 4\nexpect:\n  invariants: all\n",
            "tls.yaml", TestbedCatalog.Default);

        var result = await ScenarioRunner.RunAsync(scenario, new RunOptions
        {
            TransportTls = new TransportTlsOptions { Credentials = credentials, OnConnection = seen.Enqueue },
        });

        Assert.True(result.Passed, string.Join("; ", result.Expectations.Where(e => !e.Passed).Select(e => $"{e.Name}: {e.Detail}")));
        Assert.Equal(200, result.Operations.Ok);
        var connections = seen.ToArray();
        Assert.All(connections, c =>
        {
            Assert.Equal(SslProtocols.Tls13, c.Protocol);
            Assert.NotNull(c.CipherSuite);
            Assert.True(c.RemoteTrusted, $"{c.Node} {c.Side}: untrusted peer {c.RemoteSubject}");
            Assert.NotEqual(c.LocalSubject, c.RemoteSubject);
        });

        // Both ends of both kinds of connection were seen: silo to silo (across the two silos) and client to gateway.
        Assert.Contains(connections, c => c.Side == TlsConnectionSide.ClientOutbound && c.LocalSubject == "CN=client");
        Assert.Contains(connections, c => c.Side == TlsConnectionSide.GatewayInbound && c.RemoteSubject == "CN=client");
        var outbound = connections.Where(c => c.Side == TlsConnectionSide.SiloOutbound).ToArray();
        var inbound = connections.Where(c => c.Side == TlsConnectionSide.SiloInbound).ToArray();
        Assert.NotEmpty(outbound);
        Assert.Contains(inbound, i => outbound.Any(o => o.LocalSubject == i.RemoteSubject && o.RemoteSubject == i.LocalSubject));
        Assert.True(connections.Select(c => c.Node).Distinct().Count() >= 3, "both silos and the client");
    }

    [Fact]
    public async Task A_client_with_a_certificate_from_another_authority_cannot_connect()
    {
        using var credentials = TransportCredentials.Create();
        using var rogue = TransportCredentials.Create("rogue");
        var seen = new ConcurrentQueue<TlsConnectionInfo>();

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions
            {
                Silos = 1,
                TransportTls = new TransportTlsOptions { Credentials = credentials, ClientCredentials = rogue, OnConnection = seen.Enqueue },
            });
        });

        // The client finished its half of each TLS 1.3 handshake (it trusts the silo's authority), but no gateway ever
        // accepted the connection: the silo refused the client's certificate, so no grain call could be made.
        Assert.Contains(seen, c => c is { Side: TlsConnectionSide.ClientOutbound, RemoteTrusted: true });
        Assert.DoesNotContain(seen, c => c.Side == TlsConnectionSide.GatewayInbound);
    }
}
