using Microsoft.Extensions.Options;
using Testbed.Envelopes;
using Testbed.Placement;
using Testbed.Storage;
using Testbed.Wire;

namespace Testbed.Services.Payments;

/// <summary>
/// An account ("account/i", owned by "customer/i"). Applies debits and credits sent by a payment service and answers
/// balance queries authenticated by the owner's password. Its balance and every applied entry (which the checker reads)
/// are durable: kept in the grain storage provider <see cref="TestbedStorageOptions.StorageName"/> and written before a
/// debit or credit is acknowledged, so a killed silo loses no acknowledged entry; the applied-order set is rebuilt from the
/// entries on activation. With <c>idempotentOrders</c> an order id's first answer is final: a repeat of an applied leg is
/// acknowledged without applying it again, and a repeat of a debit declined for insufficient funds is declined again (a
/// duplicate or retry must not turn an answered "no" into a later "yes"). Declines are remembered by the activation only.
/// </summary>
[GrainType("account")]
[SpreadPlacement]
public sealed class AccountGrain : ServiceGrain, IAccountAudit, IGrainBase
{
    private readonly PaymentsOptions _options;
    private readonly Workload.CustomerDirectory _customers;
    private readonly AccountLedger _ledger;
    private readonly HashSet<string> _declinedDebits = new(StringComparer.Ordinal);

    /// <summary>Creates the account; its ledger is loaded on activation (opening with the configured balance when new).</summary>
    public AccountGrain(
        IGrainContext context,
        ServiceRuntime runtime,
        IOptions<PaymentsOptions> options,
        IOptions<TestbedStorageOptions> storage,
        Workload.CustomerDirectory customers,
        [PersistentState("ledger", TestbedStorageOptions.StorageName)] IPersistentState<AccountLedgerState> head,
        [StatePages("ledger-page", TestbedStorageOptions.StorageName)] IStatePages<LedgerEntry> pages)
        : base(context, runtime)
    {
        _options = options.Value;
        _customers = customers;
        _ledger = new AccountLedger(head, pages, storage.Value.LedgerPageSize);
    }

    private string Owner => PaymentsOptions.Customer(Index);

    /// <inheritdoc />
    public Task<AccountSnapshot> Snapshot() =>
        Task.FromResult(new AccountSnapshot(Self, Owner, _options.InitialBalance, _ledger.Balance, _ledger.Entries()));

    /// <inheritdoc />
    Task IGrainBase.OnActivateAsync(CancellationToken token) => _ledger.LoadAsync(_options.InitialBalance).WaitAsync(token);

    /// <inheritdoc />
    protected override async ValueTask<Envelope> HandleAsync(Envelope request) => request.Kind switch
    {
        EnvelopeKind.Debit => await LedgerAsync(request, isDebit: true),
        EnvelopeKind.Credit => await LedgerAsync(request, isDebit: false),
        EnvelopeKind.BalanceQuery => Balance(request),
        _ => Reject(request, $"{Self} does not accept {request.Kind}"),
    };

    private async Task<Envelope> LedgerAsync(Envelope request, bool isDebit)
    {
        if (!request.Sender.StartsWith("payments/", StringComparison.Ordinal))
        {
            return Reject(request, $"{request.Kind} accepted only from a payment service, not {request.Sender}");
        }

        if (!PaymentsJson.TryDecode<LedgerRequest>(request.Payload, out var ledger) || ledger.Amount <= 0)
        {
            return Reject(request, "bad ledger request");
        }

        var replyKind = isDebit ? EnvelopeKind.DebitReply : EnvelopeKind.CreditReply;
        if (_options.IdempotentOrders && _ledger.Contains(ledger.OrderId, isDebit))
        {
            return Reply(request, replyKind, PaymentsJson.Encode(new LedgerResult(ledger.OrderId, true, true, null, _ledger.Balance)));
        }

        if (isDebit && (_ledger.Balance < ledger.Amount || (_options.IdempotentOrders && _declinedDebits.Contains(ledger.OrderId))))
        {
            if (_options.IdempotentOrders)
            {
                _declinedDebits.Add(ledger.OrderId);
            }

            return Reply(request, replyKind, PaymentsJson.Encode(new LedgerResult(ledger.OrderId, false, false, "insufficient funds", _ledger.Balance)));
        }

        try
        {
            await _ledger.AppendAsync(new LedgerEntry(ledger.OrderId, isDebit, ledger.Amount, ledger.Counterparty, ledger.OrderedBy));
        }
        catch (Exception ex)
        {
            // Storage may or may not hold the entry: never acknowledge it. The caller sees an error (indeterminate to the
            // customer), and this activation goes away so the next request reloads what storage really holds.
            GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, ex, "ledger write failed"));
            throw;
        }

        return Reply(request, replyKind, PaymentsJson.Encode(new LedgerResult(ledger.OrderId, true, false, null, _ledger.Balance)));
    }

    private Envelope Balance(Envelope request)
    {
        var owner = _customers.Find(Owner);
        if (!PaymentsJson.TryDecode<BalanceQueryMessage>(request.Payload, out var query)
            || request.Sender != Owner || owner is null || query.Password != owner.Password)
        {
            return Reject(request, "balance query not authenticated");
        }

        return Reply(request, EnvelopeKind.BalanceReply, PaymentsJson.Encode(new BalanceMessage(_ledger.Balance)));
    }
}
