using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Testbed.Envelopes;
using Testbed.Placement;
using Testbed.Wire;
using Testbed.Workload;

namespace Testbed.Services.Payments;

/// <summary>
/// A payment service shard ("payments/k"). On a customer's order it checks the customer's card and PIN and that the
/// customer owns the debited account, then debits and credits the two accounts over the wire. A leg whose exchange is
/// lost (or whose reply is refused or unreadable) is sent again with the same order id, up to <see cref="LedgerAttempts"/>
/// times with exponential backoff: at-least-once delivery, which is exactly-once only where accounts are idempotent
/// (<c>idempotentOrders</c>) — without that a retried leg whose first copy did apply is applied twice, and the checker says so.
/// </summary>
[GrainType("payments")]
[SpreadPlacement]
[Reentrant]
public sealed class PaymentServiceGrain : ServiceGrain
{
    /// <summary>How many times one debit or credit is sent before the order is given up as indeterminate.</summary>
    public const int LedgerAttempts = 8;

    private readonly PaymentsOptions _options;
    private readonly CustomerDirectory _customers;

    /// <summary>Creates a payment service shard.</summary>
    public PaymentServiceGrain(IGrainContext context, ServiceRuntime runtime, IOptions<PaymentsOptions> options, CustomerDirectory customers)
        : base(context, runtime)
    {
        _options = options.Value;
        _customers = customers;
    }

    /// <inheritdoc />
    protected override async ValueTask<Envelope> HandleAsync(Envelope request)
    {
        if (request.Kind != EnvelopeKind.Order)
        {
            return Reject(request, $"{Self} does not accept {request.Kind}");
        }

        if (!PaymentsJson.TryDecode<OrderMessage>(request.Payload, out var order))
        {
            return Reject(request, "bad order");
        }

        var declined = Validate(request.Sender, order);
        if (declined is not null)
        {
            return Reply(request, EnvelopeKind.OrderReply, PaymentsJson.Encode(new OrderResult(order.OrderId, OrderStatus.Declined, declined)));
        }

        var ledger = PaymentsJson.Encode(new LedgerRequest(order.OrderId, order.Amount, order.To, request.Sender));
        var debit = await LedgerAsync(order.From, EnvelopeKind.Debit, order.OrderId, ledger);
        if (debit is not { Applied: true })
        {
            return Reply(request, EnvelopeKind.OrderReply, PaymentsJson.Encode(new OrderResult(order.OrderId, OrderStatus.Declined, debit?.Reason ?? "debit rejected")));
        }

        var credit = await LedgerAsync(order.To, EnvelopeKind.Credit, order.OrderId, PaymentsJson.Encode(new LedgerRequest(order.OrderId, order.Amount, order.From, request.Sender)));
        if (credit is not { Applied: true })
        {
            // The debit stands and the credit did not happen: surface it as an error, so the order is indeterminate
            // to the customer and the checker judges what really happened.
            throw new InvalidOperationException($"order {order.OrderId}: credit to {order.To} failed ({credit?.Reason ?? "rejected"}) after the debit");
        }

        return Reply(request, EnvelopeKind.OrderReply, PaymentsJson.Encode(new OrderResult(order.OrderId, OrderStatus.Applied, null)));
    }

    private string? Validate(string sender, OrderMessage order)
    {
        var customer = _customers.Find(sender);
        if (customer is null)
        {
            return $"unknown customer {sender}";
        }

        if (order.CardNumber != customer.CardNumber || order.Pin != customer.Pin)
        {
            return "card or PIN does not match";
        }

        if (order.From != customer.Account)
        {
            return $"{sender} does not own {order.From}";
        }

        var to = PrincipalAddress.IndexOf(order.To);
        if (to < 0 || to >= _options.Accounts || order.To != PaymentsOptions.Account(to) || order.To == order.From)
        {
            return $"bad recipient account {order.To}";
        }

        return order.Amount <= 0 ? "amount must be positive" : null;
    }

    private async ValueTask<LedgerResult?> LedgerAsync(string account, EnvelopeKind kind, string orderId, byte[] payload)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var reply = await SendAsync(account, kind, payload);
                if (reply.Kind == (kind == EnvelopeKind.Debit ? EnvelopeKind.DebitReply : EnvelopeKind.CreditReply) && PaymentsJson.TryDecode<LedgerResult>(reply.Payload, out var result)
                    && string.Equals(result.OrderId, orderId, StringComparison.Ordinal))
                {
                    return result;
                }

                if (reply.Kind == EnvelopeKind.Rejected)
                {
                    return null; // refused before the account acted on it: definitely not applied
                }

                // An answer of the wrong kind or to another order is unreadable here: the leg's fate is unknown, so it is
                // sent again, and after the last attempt it stays unknown (indeterminate), never "not applied".
                if (attempt == LedgerAttempts)
                {
                    throw new InvalidOperationException($"{kind} to {account} for order {orderId}: no readable answer after {LedgerAttempts} attempts");
                }
            }
            catch (Exception) when (attempt < LedgerAttempts)
            {
                // Lost or unreadable: the leg may or may not have been applied; the same order id goes out again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(400, 20 << (attempt - 1))), Time);
        }
    }
}
