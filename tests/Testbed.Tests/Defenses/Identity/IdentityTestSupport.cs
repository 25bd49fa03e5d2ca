using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Time.Testing;
using Testbed.Defenses;
using Testbed.Defenses.Identity;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Tests.Defenses.Identity;

/// <summary>
/// An <see cref="ICertificateAuthority"/> without a cluster (<see cref="AsGrain"/>): the pure <see cref="CertificateAuthority"/>
/// behind a grain-shaped face, with call counters and hooks to hold answers, fail, or tamper with certificates (a compromised
/// CA link). It does not implement the grain interface itself (a proxy does), so Orleans never takes it for a grain class.
/// </summary>
internal sealed class FakeCertificateAuthority : IDisposable
{
    private int _infoCalls;
    private int _certifyCalls;
    private int _certificateCalls;
    private int _revocationCalls;

    public FakeCertificateAuthority(TimeProvider time)
    {
        Inner = new CertificateAuthority(time);
        AsGrain = CertificateAuthorityProxy.For(this);
    }

    public CertificateAuthority Inner { get; }

    /// <summary>This CA as the grain interface the key and trust stores take.</summary>
    public ICertificateAuthority AsGrain { get; }

    /// <summary>When set, every call waits for it first (to make concurrent callers overlap).</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>When set, every call throws it.</summary>
    public Exception? FailWith { get; set; }

    /// <summary>When set, what GetCertificate returns passes through it (null: return nothing).</summary>
    public Func<Certificate, Certificate?>? Tamper { get; set; }

    public int InfoCalls => _infoCalls;

    public int CertifyCalls => _certifyCalls;

    public int CertificateCalls => _certificateCalls;

    public int RevocationCalls => _revocationCalls;

    public async Task<CaInfo> GetInfo()
    {
        Interlocked.Increment(ref _infoCalls);
        await Gate();
        return Inner.Info;
    }

    public async Task<Certificate> Certify(string principal, SignatureAlgorithm algorithm, byte[] publicKey)
    {
        Interlocked.Increment(ref _certifyCalls);
        await Gate();
        return Inner.Certify(principal, algorithm, publicKey);
    }

    public async Task<Certificate?> GetCertificate(string principal, int version)
    {
        Interlocked.Increment(ref _certificateCalls);
        await Gate();
        var certificate = Inner.GetCertificate(principal, version);
        return certificate is not null && Tamper is { } tamper ? tamper(certificate) : certificate;
    }

    public async Task<CertificateAnswer> FindCertificate(string principal, int version)
    {
        Interlocked.Increment(ref _certificateCalls);
        await Gate();
        var answer = Inner.Find(principal, version);
        return answer.Certificate is { } certificate && Tamper is { } tamper ? answer with { Certificate = tamper(certificate) } : answer;
    }

    public async Task Revoke(string principal, int version, string reason)
    {
        await Gate();
        Inner.Revoke(principal, version, reason);
    }

    public async Task<RevocationBatch> GetRevocations(long sinceEpoch)
    {
        Interlocked.Increment(ref _revocationCalls);
        await Gate();
        return Inner.GetRevocations(sinceEpoch);
    }

    public void Dispose() => Inner.Dispose();

    private Task Gate()
    {
        if (FailWith is { } failure)
        {
            return Task.FromException(failure);
        }

        return Hold?.Task ?? Task.CompletedTask;
    }
}

/// <summary>Forwards <see cref="ICertificateAuthority"/> calls to the same-named methods of a <see cref="FakeCertificateAuthority"/>.</summary>
public class CertificateAuthorityProxy : DispatchProxy
{
    private FakeCertificateAuthority _target = null!;

    internal static ICertificateAuthority For(FakeCertificateAuthority target)
    {
        var proxy = Create<ICertificateAuthority, CertificateAuthorityProxy>();
        ((CertificateAuthorityProxy)(object)proxy)._target = target;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var method = typeof(FakeCertificateAuthority).GetMethod(targetMethod.Name, targetMethod.GetParameters().Select(p => p.ParameterType).ToArray())
            ?? throw new MissingMethodException(nameof(FakeCertificateAuthority), targetMethod.Name);
        try
        {
            return method.Invoke(_target, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}

/// <summary>A wire for environments whose layers never send on their own.</summary>
internal sealed class UnusedWire : IWire
{
    public ValueTask<Envelope> SendAsync(Envelope request, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("this test's layers do not use the wire");
}

/// <summary>One simulated silo: its own key store, trust store, event log and defense environment over a shared CA and clock.</summary>
internal sealed class TestSilo : IDisposable
{
    public TestSilo(ICertificateAuthority ca, IdentityOptions options, TimeProvider time)
    {
        Keys = new KeyStore(ca, options);
        Trust = new TrustStore(ca, options, time);
        Environment = new DefenseEnvironment(time, Keys, Trust, Events, new UnusedWire());
    }

    public KeyStore Keys { get; }

    public TrustStore Trust { get; }

    public SecurityEventLog Events { get; } = new();

    public DefenseEnvironment Environment { get; }

    public void Dispose()
    {
        Trust.Dispose();
        Keys.Dispose();
    }
}

/// <summary>A CA, a fake clock and two silos (a sender's and a receiver's), as a run has them, without Orleans.</summary>
internal sealed class IdentityWorld : IDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public IdentityWorld(SignatureAlgorithm algorithm = SignatureAlgorithm.EcdsaP256, TimeSpan? poll = null)
    {
        Options = new IdentityOptions { Algorithm = algorithm, RevocationPollInterval = poll ?? TimeSpan.FromMilliseconds(250) };
        Ca = new FakeCertificateAuthority(Time);
        SenderSilo = new TestSilo(Ca.AsGrain, Options, Time);
        ReceiverSilo = new TestSilo(Ca.AsGrain, Options, Time);
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public IdentityOptions Options { get; }

    public FakeCertificateAuthority Ca { get; }

    public TestSilo SenderSilo { get; }

    public TestSilo ReceiverSilo { get; }

    public void Dispose()
    {
        SenderSilo.Dispose();
        ReceiverSilo.Dispose();
        Ca.Dispose();
    }
}
