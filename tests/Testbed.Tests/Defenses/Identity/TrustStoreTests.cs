using Testbed.Defenses.Identity;
using Xunit;

namespace Testbed.Tests.Defenses.Identity;

public sealed class TrustStoreTests : IDisposable
{
    private static readonly byte[] Data = "transfer 10 to account/2"u8.ToArray();
    private readonly IdentityWorld _world = new(SignatureAlgorithm.EcdsaP256);

    public void Dispose() => _world.Dispose();

    private TrustStore Trust => _world.ReceiverSilo.Trust;

    private async Task<(ISigningKey Key, byte[] Signature)> SignAsync(string principal)
    {
        var key = await _world.SenderSilo.Keys.GetSigningKeyAsync(principal);
        var signature = new byte[key.SignatureSize];
        key.Sign(Data, signature);
        return (key, signature);
    }

    [Theory]
    [InlineData(SignatureAlgorithm.EcdsaP256)]
    [InlineData(SignatureAlgorithm.Ed25519)]
    public async Task Trusts_certified_keys_and_verifies_their_signatures(SignatureAlgorithm algorithm)
    {
        using var world = new IdentityWorld(algorithm);
        var key = await world.SenderSilo.Keys.GetSigningKeyAsync("customer/4");
        var signature = new byte[64];
        key.Sign(Data, signature);

        var lookup = await world.ReceiverSilo.Trust.LookupAsync("customer/4", 1);
        Assert.Equal(TrustStatus.Trusted, lookup.Status);
        var verifier = lookup.Verifier!;
        Assert.Equal(("customer/4", 1, algorithm), (verifier.Principal, verifier.Version, verifier.Algorithm));
        Assert.True(verifier.Verify(Data, signature));
        signature[0] ^= 0x80;
        Assert.False(verifier.Verify(Data, signature));
        Assert.False(verifier.Verify(Data, signature.AsSpan(0, 63)));
        Assert.Same(verifier, await world.ReceiverSilo.Trust.GetVerifierAsync("customer/4", 1));
    }

    [Fact]
    public async Task Unknown_principals_and_versions_have_no_verifier()
    {
        await SignAsync("a");
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("a", 2)).Status);
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("nobody", 1)).Status);
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("a", 0)).Status);
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("a", -1)).Status);
        Assert.Null(await Trust.GetVerifierAsync("a", 2));
    }

    [Fact]
    public async Task A_certificate_with_a_substituted_key_is_not_trusted()
    {
        await SignAsync("account/1");
        using var attacker = KeyMaterial.Create(SignatureAlgorithm.EcdsaP256);
        _world.Ca.Tamper = c => c with { PublicKey = attacker.PublicKey };

        Assert.Equal(TrustStatus.InvalidCertificate, (await Trust.LookupAsync("account/1", 1)).Status);
        Assert.Null(await Trust.GetVerifierAsync("account/1", 1));
    }

    [Fact]
    public async Task A_certificate_for_someone_else_or_from_another_CA_is_not_trusted()
    {
        await SignAsync("account/1");
        await SignAsync("account/2");
        _world.Ca.Tamper = c => c.Principal == "account/1" ? _world.Ca.Inner.GetCertificate("account/2", 1) : c;
        Assert.Equal(TrustStatus.InvalidCertificate, (await Trust.LookupAsync("account/1", 1)).Status);

        using var rogue = new CertificateAuthority(_world.Time);
        using var attacker = KeyMaterial.Create(SignatureAlgorithm.EcdsaP256);
        var forged = rogue.Certify("account/2", SignatureAlgorithm.EcdsaP256, attacker.PublicKey);
        _world.Ca.Tamper = c => c.Principal == "account/2" ? forged : c;
        Assert.Equal(TrustStatus.InvalidCertificate, (await Trust.LookupAsync("account/2", 1)).Status);
    }

    [Fact]
    public async Task Concurrent_lookups_fetch_the_CA_key_and_each_certificate_once()
    {
        await SignAsync("a");
        await SignAsync("b");
        _world.Ca.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var parked = 0;
        var allParked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = Enumerable.Range(0, 40)
            .Select(i => Task.Run(() =>
            {
                // GetVerifierAsync returns once the lookup waits: on the held CA, or on a fetch another lookup started.
                var lookup = Trust.GetVerifierAsync(i % 2 == 0 ? "a" : "b", 1).AsTask();
                if (Interlocked.Increment(ref parked) == 40)
                {
                    allParked.SetResult();
                }

                return lookup;
            }))
            .ToArray();
        await allParked.Task.WaitAsync(SteppedClock.Patience);
        Assert.All(pending, p => Assert.False(p.IsCompleted)); // all 40 overlap while the CA holds its answers
        _world.Ca.Hold.SetResult();
        _world.Ca.Hold = null;
        var verifiers = await Task.WhenAll(pending);

        Assert.All(verifiers, Assert.NotNull);
        Assert.Equal(2, verifiers.Distinct().Count());
        Assert.Equal(1, _world.Ca.InfoCalls);
        Assert.Equal(2, _world.Ca.CertificateCalls);
    }

    [Fact]
    public async Task A_revocation_takes_effect_at_the_next_poll_and_not_before()
    {
        var (key, signature) = await SignAsync("account/1");
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("account/1", 1)).Status);
        var pollsBefore = _world.Ca.RevocationCalls;

        await _world.Ca.Revoke("account/1", key.Version, RevocationReasons.Compromised);
        var stale = await Trust.GetVerifierAsync("account/1", 1);
        Assert.NotNull(stale);
        Assert.True(stale.Verify(Data, signature));

        _world.Time.Advance(_world.Options.RevocationPollInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("account/1", 1)).Status);
        Assert.Equal(pollsBefore, _world.Ca.RevocationCalls);

        _world.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(pollsBefore + 1, _world.Ca.RevocationCalls);
        Assert.Equal(TrustStatus.Revoked, (await Trust.LookupAsync("account/1", 1)).Status);
        Assert.Null(await Trust.GetVerifierAsync("account/1", 1));
        Assert.Equal(1, Trust.Epoch);
        Assert.Equal(_world.Time.GetUtcNow(), Trust.LastRefresh);
    }

    [Fact]
    public async Task Its_revocation_view_moves_its_epoch_and_names_revoked_and_rotated_versions_once_learned()
    {
        var (compromised, _) = await SignAsync("account/1");
        var (rotated, _) = await SignAsync("account/2");
        var (kept, _) = await SignAsync("account/3");
        await Trust.RefreshAsync();
        IRevocationView view = Trust;
        var before = view.Epoch;

        await _world.Ca.Revoke("account/1", compromised.Version, RevocationReasons.Compromised);
        var fresh = await _world.SenderSilo.Keys.RotateAsync("account/2");
        Assert.False(view.IsRevoked("account/1", compromised.Version)); // not learned yet
        Assert.Equal(before, view.Epoch);

        await Trust.RefreshAsync();
        Assert.Equal(before + 2, view.Epoch);
        Assert.True(view.IsRevoked("account/1", compromised.Version));
        Assert.True(view.IsRevoked("account/2", rotated.Version));
        Assert.False(view.IsRevoked("account/2", fresh.Version));
        Assert.False(view.IsRevoked("account/3", kept.Version));
    }

    [Fact]
    public async Task Rotated_out_keys_read_as_rotated_once_learned_and_RefreshAsync_forces_it()
    {
        var (old, _) = await SignAsync("account/1");
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("account/1", old.Version)).Status);
        var fresh = await _world.SenderSilo.Keys.RotateAsync("account/1");

        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("account/1", old.Version)).Status);
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("account/1", fresh.Version)).Status);

        await Trust.RefreshAsync();
        Assert.Equal(TrustStatus.RotatedOut, (await Trust.LookupAsync("account/1", old.Version)).Status);
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("account/1", fresh.Version)).Status);
    }

    [Fact]
    public async Task A_store_started_after_a_revocation_knows_it_from_the_start()
    {
        var (key, _) = await SignAsync("account/1");
        await _world.Ca.Revoke("account/1", key.Version, RevocationReasons.Compromised);

        Assert.Equal(TrustStatus.Revoked, (await Trust.LookupAsync("account/1", 1)).Status);
    }

    [Fact]
    public async Task A_version_unknown_at_one_poll_is_found_after_the_next()
    {
        await SignAsync("a");
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("a", 2)).Status);
        var callsAfterMiss = _world.Ca.CertificateCalls;
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("a", 2)).Status);
        Assert.Equal(callsAfterMiss, _world.Ca.CertificateCalls);

        await _world.SenderSilo.Keys.RotateAsync("a");
        _world.Time.Advance(_world.Options.RevocationPollInterval);
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("a", 2)).Status);
    }

    [Fact]
    public async Task A_failed_poll_is_recorded_and_the_next_one_catches_up()
    {
        var (key, _) = await SignAsync("a");
        await Trust.LookupAsync("a", 1);
        await _world.Ca.Revoke("a", key.Version, RevocationReasons.Compromised);

        _world.Ca.FailWith = new TimeoutException("CA unreachable");
        _world.Time.Advance(_world.Options.RevocationPollInterval);
        Assert.IsType<TimeoutException>(Trust.LastPollError);
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("a", 1)).Status);

        _world.Ca.FailWith = null;
        _world.Time.Advance(_world.Options.RevocationPollInterval);
        Assert.Null(Trust.LastPollError);
        Assert.Equal(TrustStatus.Revoked, (await Trust.LookupAsync("a", 1)).Status);
    }

    [Fact]
    public async Task Lookups_fail_while_the_CA_cannot_be_reached_and_recover_after()
    {
        await SignAsync("a");
        _world.Ca.FailWith = new TimeoutException("CA unreachable");
        await Assert.ThrowsAsync<TimeoutException>(async () => await Trust.LookupAsync("a", 1));

        _world.Ca.FailWith = null;
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("a", 1)).Status);
    }

    [Fact]
    public async Task Stops_polling_when_disposed()
    {
        await SignAsync("a");
        await Trust.LookupAsync("a", 1);
        var polls = _world.Ca.RevocationCalls;
        Trust.Dispose();
        _world.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(polls, _world.Ca.RevocationCalls);
    }
}
