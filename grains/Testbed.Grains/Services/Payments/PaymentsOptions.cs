namespace Testbed.Services.Payments;

/// <summary>Shape of the payments system (Orleans options pattern; bound from a scenario's workload section).</summary>
public sealed class PaymentsOptions
{
    /// <summary>Seed for customer data (names, card numbers, PINs, passwords).</summary>
    public int Seed { get; set; }

    /// <summary>Number of accounts, "account/0" … "account/N-1".</summary>
    public int Accounts { get; set; } = 20;

    /// <summary>Number of customers; customer i owns account i.</summary>
    public int Customers { get; set; } = 20;

    /// <summary>Balance every account opens with.</summary>
    public long InitialBalance { get; set; } = 1000;

    /// <summary>Number of payment service grains ("payments/0" …); customer i uses shard i mod N.</summary>
    public int PaymentShards { get; set; } = 2;

    /// <summary>When true an account acknowledges an already-applied order id without applying it again.</summary>
    public bool IdempotentOrders { get; set; } = true;

    /// <summary>Extra bytes of memo carried by each order (payload size knob).</summary>
    public int PaddingBytes { get; set; }

    /// <summary>The principal id of account <paramref name="index"/>.</summary>
    public static string Account(int index) => $"account/{index}";

    /// <summary>The principal id of customer <paramref name="index"/>.</summary>
    public static string Customer(int index) => $"customer/{index}";

    /// <summary>The principal id of payment shard <paramref name="index"/>.</summary>
    public static string Payments(int index) => $"payments/{index}";
}
