using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace Testbed.Bench.Defenses;

/// <summary>
/// The raw primitives the defense layers are built on, doing the same work as a seal + open: the baselines the layer
/// and preset benchmarks are read against (same run, same machine).
/// </summary>
[MemoryDiagnoser]
public class PrimitiveBenchmarks
{
    private AesGcm _aes = null!;
    private ECDsa _ecdsa = null!;
    private byte[] _plain = [];
    private byte[] _cipher = [];
    private byte[] _decrypted = [];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _aad = new byte[48];
    private readonly byte[] _signature = new byte[64];
    private readonly byte[] _macKey = RandomNumberGenerator.GetBytes(32);
    private ulong _counter;

    /// <summary>Payload size.</summary>
    [Params(64, 1024, 16384)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _aes = new AesGcm(RandomNumberGenerator.GetBytes(32), 16);
        _ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _plain = RandomNumberGenerator.GetBytes(PayloadBytes);
        _cipher = new byte[PayloadBytes];
        _decrypted = new byte[PayloadBytes];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aes.Dispose();
        _ecdsa.Dispose();
    }

    /// <summary>AES-256-GCM encrypt then decrypt (what an AEAD-protected message costs both ends).</summary>
    [Benchmark(Baseline = true)]
    public void AesGcmEncryptDecrypt()
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(_nonce.AsSpan(4), ++_counter);
        _aes.Encrypt(_nonce, _plain, _cipher, _tag, _aad);
        _aes.Decrypt(_nonce, _cipher, _tag, _decrypted, _aad);
    }

    /// <summary>ECDSA P-256 sign then verify (what a per-message signature costs both ends).</summary>
    [Benchmark]
    public bool EcdsaSignVerify()
    {
        _ecdsa.SignData(_plain, _signature, HashAlgorithmName.SHA256);
        return _ecdsa.VerifyData(_plain, _signature, HashAlgorithmName.SHA256);
    }

    /// <summary>HMAC-SHA256 tag then verify.</summary>
    [Benchmark]
    public bool HmacTagVerify()
    {
        Span<byte> tag = stackalloc byte[32];
        Span<byte> check = stackalloc byte[32];
        HMACSHA256.HashData(_macKey, _plain, tag);
        HMACSHA256.HashData(_macKey, _plain, check);
        return CryptographicOperations.FixedTimeEquals(tag, check);
    }
}
