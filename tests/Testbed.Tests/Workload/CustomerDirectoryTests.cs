using Testbed.Workload;
using Xunit;

namespace Testbed.Tests.Workload;

public sealed class CustomerDirectoryTests
{
    [Fact]
    public void Same_seed_gives_the_same_customers_and_another_seed_does_not()
    {
        var a = new CustomerDirectory(5, 50).Profiles;
        var b = new CustomerDirectory(5, 50).Profiles;
        var c = new CustomerDirectory(6, 50).Profiles;

        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(p => p.CardNumber), c.Select(p => p.CardNumber));
    }

    [Fact]
    public void Canaries_are_well_formed_and_distinct()
    {
        var profiles = new CustomerDirectory(9, 200).Profiles;

        Assert.All(profiles, p =>
        {
            Assert.Equal(16, p.CardNumber.Length);
            Assert.True(Luhn.IsValid(p.CardNumber), p.CardNumber);
            Assert.Matches("^[0-9]{4}$", p.Pin);
            Assert.True(p.Password.Length >= 12);
            Assert.Equal($"customer/{p.Index}", p.Principal);
            Assert.Equal($"account/{p.Index}", p.Account);
        });
        Assert.Equal(profiles.Count, profiles.Select(p => p.CardNumber).Distinct().Count());
    }

    [Theory]
    [InlineData("4539578763621486", true)]
    [InlineData("4539578763621487", false)]
    [InlineData("79927398713", true)]
    [InlineData("7992739871a", false)]
    [InlineData("", false)]
    public void Luhn_check_matches_known_numbers(string number, bool valid) => Assert.Equal(valid, Luhn.IsValid(number));
}
