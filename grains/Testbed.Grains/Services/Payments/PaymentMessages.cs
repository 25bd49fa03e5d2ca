using System.Text.Json;
using System.Text.Json.Serialization;

namespace Testbed.Services.Payments;

/// <summary>A customer's transfer order. Carries the customer's card number and PIN: canaries an eavesdropper can find.</summary>
public sealed record OrderMessage(string OrderId, string From, string To, long Amount, string CardNumber, string Pin, string Memo);

/// <summary>How the payment service decided an order.</summary>
public enum OrderStatus
{
    /// <summary>Debited and credited.</summary>
    Applied,
    /// <summary>Definitely not applied (bad credentials, insufficient funds, bad accounts).</summary>
    Declined,
}

/// <summary>The payment service's answer to an order; <paramref name="OrderId"/> names the order it answers.</summary>
public sealed record OrderResult(string OrderId, OrderStatus Status, string? Reason);

/// <summary>A debit or credit the payment service asks an account to apply.</summary>
public sealed record LedgerRequest(string OrderId, long Amount, string Counterparty, string OrderedBy);

/// <summary>An account's answer to a debit or credit; <paramref name="OrderId"/> names the order whose leg it answers.</summary>
public sealed record LedgerResult(string OrderId, bool Applied, bool Duplicate, string? Reason, long Balance);

/// <summary>A balance read, authenticated by the owner's password (another canary).</summary>
public sealed record BalanceQueryMessage(string Account, string Password);

/// <summary>An account's balance.</summary>
public sealed record BalanceMessage(long Balance);

/// <summary>
/// System.Text.Json source-generated (de)serialization of the payments messages. Strict: a missing field, a null where
/// the record does not allow one, or an unknown property is an error — so a corrupted message is refused, never half-read.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(OrderMessage))]
[JsonSerializable(typeof(OrderResult))]
[JsonSerializable(typeof(LedgerRequest))]
[JsonSerializable(typeof(LedgerResult))]
[JsonSerializable(typeof(BalanceQueryMessage))]
[JsonSerializable(typeof(BalanceMessage))]
public sealed partial class PaymentsJson : JsonSerializerContext
{
    /// <summary>Serializes a message to UTF-8 JSON.</summary>
    public static byte[] Encode<T>(T message) => JsonSerializer.SerializeToUtf8Bytes(message, typeof(T), Default);

    /// <summary>Deserializes a message; false (never an exception) when the bytes are not a valid <typeparamref name="T"/>.</summary>
    public static bool TryDecode<T>(ReadOnlyMemory<byte> payload, out T message) where T : class
    {
        try
        {
            message = (T?)JsonSerializer.Deserialize(payload.Span, typeof(T), Default)!;
            return message is not null;
        }
        catch (JsonException)
        {
            message = null!;
            return false;
        }
    }
}
