using System.Security.Cryptography;

namespace Testbed.Defenses.Encrypt;

/// <summary>One session direction's AEAD instance (AES-256-GCM or ChaCha20-Poly1305, 16-byte tag), cached on the session.</summary>
internal sealed class AeadCipher : IDisposable
{
    /// <summary>Bytes of the authentication tag.</summary>
    public const int TagLength = 16;

    /// <summary>Bytes of the nonce.</summary>
    public const int NonceLength = 12;

    private readonly AesGcm? _aes;
    private readonly ChaCha20Poly1305? _chacha;

    public AeadCipher(EncryptAlgorithm algorithm, ReadOnlySpan<byte> key)
    {
        Algorithm = algorithm;
        if (algorithm == EncryptAlgorithm.AesGcm)
        {
            _aes = new AesGcm(key, TagLength);
        }
        else
        {
            _chacha = new ChaCha20Poly1305(key);
        }
    }

    /// <summary>The algorithm.</summary>
    public EncryptAlgorithm Algorithm { get; }

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> and writes the tag.</summary>
    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        if (_aes is not null)
        {
            _aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }
        else
        {
            _chacha!.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }
    }

    /// <summary>Verifies and decrypts; throws <see cref="CryptographicException"/> when the tag does not verify.</summary>
    public void Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        if (_aes is not null)
        {
            _aes.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
        }
        else
        {
            _chacha!.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _aes?.Dispose();
        _chacha?.Dispose();
    }
}
