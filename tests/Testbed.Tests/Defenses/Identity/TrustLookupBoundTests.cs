using Testbed.Defenses.Identity;
using Xunit;

namespace Testbed.Tests.Defenses.Identity;

/// <summary>
/// What forged key versions cost the CA: a frame naming a key version no CA issued (<c>k=999</c>) sends its verifier's
/// trust store to the CA unless the store can answer on its own — at most once per principal per poll interval.
/// </summary>
public sealed class TrustLookupBoundTests : IDisposable
{
    private readonly IdentityWorld _world = new(SignatureAlgorithm.EcdsaP256);

    public void Dispose() => _world.Dispose();

    private TrustStore Trust => _world.ReceiverSilo.Trust;

    [Fact]
    public async Task Forged_random_key_versions_cost_at_most_one_CA_lookup_per_principal_per_poll_interval()
    {
        await _world.SenderSilo.Keys.GetSigningKeyAsync("customer/1");
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("customer/1", 1)).Status);
        var before = _world.Ca.CertificateCalls;
        var random = new Random(7);

        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("customer/1", random.Next(2, int.MaxValue))).Status);
        }

        var firstInterval = _world.Ca.CertificateCalls - before;
        _world.Time.Advance(_world.Options.RevocationPollInterval);
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("customer/1", random.Next(2, int.MaxValue))).Status);
        }

        var secondInterval = _world.Ca.CertificateCalls - before - firstInterval;
        Assert.Equal((1, 1), (firstInterval, secondInterval)); // before the bound: (1000, 1000), one per forged version
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("customer/1", 1)).Status); // the real key, from the cache
        Assert.Equal(before + 2, _world.Ca.CertificateCalls);
        Assert.Equal(2000 - 2, Trust.SuppressedLookups);
    }

    [Fact]
    public async Task Without_a_miss_first_a_rotated_key_is_found_at_once()
    {
        await _world.SenderSilo.Keys.GetSigningKeyAsync("customer/1");
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("customer/1", 1)).Status);
        var fresh = await _world.SenderSilo.Keys.RotateAsync("customer/1");
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("customer/1", fresh.Version)).Status);
        Assert.Equal(0, Trust.SuppressedLookups);
    }

    [Fact]
    public async Task Under_forged_versions_a_rotated_key_is_found_within_one_poll_interval()
    {
        await _world.SenderSilo.Keys.GetSigningKeyAsync("customer/1");
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("customer/1", 999)).Status); // a forged frame: a miss
        var fresh = await _world.SenderSilo.Keys.RotateAsync("customer/1");

        // Within the quiet period the new version reads as unknown, as a forged one does: the price of the bound.
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("customer/1", fresh.Version)).Status);
        _world.Time.Advance(_world.Options.RevocationPollInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("customer/1", fresh.Version)).Status);

        _world.Time.Advance(TimeSpan.FromMilliseconds(1)); // the poll learns the rotation (and the quiet period ends)
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("customer/1", fresh.Version)).Status);
        Assert.Equal(TrustStatus.RotatedOut, (await Trust.LookupAsync("customer/1", 1)).Status);
    }

    [Fact]
    public async Task A_rotation_learned_from_the_revocation_list_opens_the_next_version_during_a_quiet_period()
    {
        await _world.SenderSilo.Keys.GetSigningKeyAsync("customer/1");
        await _world.SenderSilo.Keys.RotateAsync("customer/1");
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("customer/1", 999)).Status); // learns: the newest is 2
        var third = await _world.SenderSilo.Keys.RotateAsync("customer/1");
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("customer/1", 998)).Status); // quiet: not asked
        var calls = _world.Ca.CertificateCalls;

        await Trust.RefreshAsync(); // the revocation of version 2 ("rotated") says version 3 exists
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("customer/1", third.Version)).Status);
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("customer/1", 997)).Status);
        Assert.Equal(calls + 1, _world.Ca.CertificateCalls);
    }

    [Fact]
    public async Task A_first_contact_waits_for_a_forged_lookup_under_way_instead_of_being_refused()
    {
        await _world.SenderSilo.Keys.GetSigningKeyAsync("customer/1");
        await Trust.RefreshAsync(); // started: the CA key and the revocations are fetched
        _world.Ca.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var forged = Trust.LookupAsync("customer/1", 4242).AsTask();
        var real = Trust.LookupAsync("customer/1", 1).AsTask();
        Assert.False(real.IsCompleted);
        _world.Ca.Hold.SetResult();
        _world.Ca.Hold = null;

        Assert.Equal(TrustStatus.Unknown, (await forged).Status);
        Assert.Equal(TrustStatus.Trusted, (await real).Status);
        Assert.Equal(2, _world.Ca.CertificateCalls);
    }

    [Fact]
    public async Task Each_principal_name_a_forger_makes_up_still_costs_one_lookup_per_poll_interval()
    {
        // The bound is per principal: a name nobody certified is asked for once per interval (and then forgotten).
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync($"customer/{1000 + i}", 7)).Status);
            Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync($"customer/{1000 + i}", 8)).Status);
        }

        Assert.Equal(100, _world.Ca.CertificateCalls);
        _world.Time.Advance(_world.Options.RevocationPollInterval);
        Assert.Equal(TrustStatus.Unknown, (await Trust.LookupAsync("customer/1000", 9)).Status);
        Assert.Equal(101, _world.Ca.CertificateCalls);
    }

    [Fact]
    public async Task A_failed_lookup_above_the_newest_version_starts_no_quiet_period()
    {
        await _world.SenderSilo.Keys.GetSigningKeyAsync("customer/1");
        await Trust.RefreshAsync();
        _world.Ca.FailWith = new TimeoutException("CA unreachable");
        await Assert.ThrowsAsync<TimeoutException>(async () => await Trust.LookupAsync("customer/1", 1));
        _world.Ca.FailWith = null;
        Assert.Equal(TrustStatus.Trusted, (await Trust.LookupAsync("customer/1", 1)).Status);
    }
}
