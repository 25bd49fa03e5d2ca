using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Testbed.Envelopes;
using Testbed.Placement;
using Testbed.Wire;
using Testbed.Workload;

namespace Testbed.Services.Payments;

/// <summary>
/// A customer ("customer/i"): turns the workload's operations into orders and balance queries carrying its card number,
/// PIN and password, sent over the wire. Maps replies to Jepsen completions: acknowledged → ok, declined → fail,
/// lost or unreadable replies and errors → info (indeterminate).
/// </summary>
[GrainType("customer")]
[SpreadPlacement]
[Reentrant]
public sealed class CustomerGrain : ServiceGrain, ICustomer
{
    private readonly PaymentsOptions _options;
    private readonly CustomerProfile _profile;
    private readonly string _memo;

    /// <summary>Creates the customer from the run's directory.</summary>
    public CustomerGrain(IGrainContext context, ServiceRuntime runtime, IOptions<PaymentsOptions> options, CustomerDirectory customers)
        : base(context, runtime)
    {
        _options = options.Value;
        _profile = customers.Find(Self) ?? throw new InvalidOperationException($"{Self} is not a customer of this run");
        _memo = new string('m', _options.PaddingBytes);
    }

    /// <inheritdoc />
    public async Task<OperationOutcome> Transfer(TransferCommand command)
    {
        var order = new OrderMessage(command.OrderId, _profile.Account, command.To, command.Amount, _profile.CardNumber, _profile.Pin, _memo);
        var shard = PaymentsOptions.Payments(_profile.Index % _options.PaymentShards);
        return await ExchangeAsync(shard, EnvelopeKind.Order, PaymentsJson.Encode(order), reply =>
            reply.Kind == EnvelopeKind.OrderReply && PaymentsJson.TryDecode<OrderResult>(reply.Payload, out var result) && result.OrderId == command.OrderId
                ? result.Status == OrderStatus.Applied ? OperationOutcome.Ok() : new(OutcomeStatus.Fail, result.Reason, null)
                : null);
    }

    /// <inheritdoc />
    public async Task<OperationOutcome> ReadBalance() =>
        await ExchangeAsync(_profile.Account, EnvelopeKind.BalanceQuery, PaymentsJson.Encode(new BalanceQueryMessage(_profile.Account, _profile.Password)), reply =>
            reply.Kind == EnvelopeKind.BalanceReply && PaymentsJson.TryDecode<BalanceMessage>(reply.Payload, out var balance)
                ? OperationOutcome.Ok(balance.Balance)
                : null);

    /// <inheritdoc />
    protected override ValueTask<Envelope> HandleAsync(Envelope request) =>
        ValueTask.FromResult(Reject(request, "customers accept no requests"));

    private async Task<OperationOutcome> ExchangeAsync(string recipient, EnvelopeKind kind, byte[] payload, Func<Envelope, OperationOutcome?> interpret)
    {
        Envelope reply;
        try
        {
            reply = await SendAsync(recipient, kind, payload);
        }
        catch (RequestNotSentException ex)
        {
            // Refused before anything went on the wire: definitely no effect.
            return new OperationOutcome(OutcomeStatus.Fail, ex.Message, null);
        }
        catch (Exception ex)
        {
            return new OperationOutcome(OutcomeStatus.Info, $"{ex.GetType().Name}: {ex.Message}", null);
        }

        if (reply.Kind == EnvelopeKind.Rejected)
        {
            // A request rejected before the service acted on it definitely had no effect. (Under defenses an
            // unauthenticated rejection never gets here: the pipeline refuses it and the outcome is indeterminate.)
            return new OperationOutcome(OutcomeStatus.Fail, "rejected: " + ReasonOf(reply), null);
        }

        return interpret(reply) ?? new OperationOutcome(OutcomeStatus.Info, $"unexpected reply {reply.Kind} from {reply.Sender}", null);
    }
}
