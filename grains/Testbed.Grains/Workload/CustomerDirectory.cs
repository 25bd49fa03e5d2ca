using Bogus;
using Microsoft.Extensions.Options;
using Testbed.Services.Payments;

namespace Testbed.Workload;

/// <summary>A customer made by Bogus from the scenario's seed. Card number, PIN and password are canaries.</summary>
public sealed record CustomerProfile(int Index, string Principal, string Account, string Name, string CardNumber, string Pin, string Password);

/// <summary>
/// Every customer of a run, generated deterministically from the seed: the same seed gives the same names, card
/// numbers (16 digits, valid Luhn), PINs and passwords on every silo and in every run.
/// </summary>
public sealed class CustomerDirectory
{
    private readonly CustomerProfile[] _profiles;

    /// <summary>Generates the directory described by <paramref name="options"/>.</summary>
    public CustomerDirectory(IOptions<PaymentsOptions> options)
        : this(options.Value.Seed, options.Value.Customers)
    {
    }

    /// <summary>Generates <paramref name="customers"/> profiles from <paramref name="seed"/>.</summary>
    public CustomerDirectory(int seed, int customers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(customers);
        var faker = new Faker("en") { Random = new Randomizer(seed) };
        _profiles = new CustomerProfile[customers];
        for (var i = 0; i < customers; i++)
        {
            _profiles[i] = new CustomerProfile(
                i,
                PaymentsOptions.Customer(i),
                PaymentsOptions.Account(i),
                faker.Name.FullName(),
                Luhn.MakeCardNumber(faker.Random, "4", 16),
                faker.Random.ReplaceNumbers("####"),
                faker.Internet.Password(12, memorable: false));
        }
    }

    /// <summary>All customers, by index.</summary>
    public IReadOnlyList<CustomerProfile> Profiles => _profiles;

    /// <summary>The customer with principal id <paramref name="principal"/>, if any.</summary>
    public CustomerProfile? Find(string principal)
    {
        var index = Wire.PrincipalAddress.IndexOf(principal);
        return index >= 0 && index < _profiles.Length && _profiles[index].Principal == principal ? _profiles[index] : null;
    }
}

/// <summary>The Luhn (mod 10) check used by payment card numbers.</summary>
public static class Luhn
{
    /// <summary>True when <paramref name="digits"/> is all digits and passes the Luhn check.</summary>
    public static bool IsValid(string digits)
    {
        if (digits.Length < 2 || !digits.All(char.IsAsciiDigit))
        {
            return false;
        }

        return CheckSum(digits.AsSpan(0, digits.Length - 1)) == digits[^1] - '0';
    }

    /// <summary>A random card number with <paramref name="prefix"/>, <paramref name="length"/> digits, valid Luhn.</summary>
    public static string MakeCardNumber(Randomizer random, string prefix, int length)
    {
        var body = prefix + random.ReplaceNumbers(new string('#', length - prefix.Length - 1));
        return body + (char)('0' + CheckSum(body));
    }

    /// <summary>The check digit that makes <paramref name="body"/> + digit valid.</summary>
    private static int CheckSum(ReadOnlySpan<char> body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var d = body[body.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return (10 - sum % 10) % 10;
    }
}
