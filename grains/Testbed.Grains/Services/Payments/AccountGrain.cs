using Microsoft.Extensions.Options;
using Testbed.Envelopes;
using Testbed.Placement;
using Testbed.Wire;

namespace Testbed.Services.Payments;

/// <summary>
/// An account ("account/i", owned by "customer/i"). Applies debits and credits sent by a payment service and answers
/// balance queries authenticated by the owner's password. Records every applied entry for the checker.
/// </summary>
[GrainType("account")]
[SpreadPlacement]
public sealed class AccountGrain : ServiceGrain, IAccountAudit
{
    private readonly PaymentsOptions _options;
    private readonly Workload.CustomerDirectory _customers;
    private readonly List<LedgerEntry> _entries = [];
    private readonly HashSet<(string OrderId, bool IsDebit)> _applied = [];
    private long _balance;

    /// <summary>Creates the account with the configured opening balance.</summary>
    public AccountGrain(IGrainContext context, ServiceRuntime runtime, IOptions<PaymentsOptions> options, Workload.CustomerDirectory customers)
        : base(context, runtime)
    {
        _options = options.Value;
        _customers = customers;
        _balance = _options.InitialBalance;
    }

    private string Owner => PaymentsOptions.Customer(Index);

    /// <inheritdoc />
    public Task<AccountSnapshot> Snapshot() =>
        Task.FromResult(new AccountSnapshot(Self, Owner, _options.InitialBalance, _balance, _entries.ToArray()));

    /// <inheritdoc />
    protected override ValueTask<Envelope> HandleAsync(Envelope request) => ValueTask.FromResult(request.Kind switch
    {
        EnvelopeKind.Debit => Ledger(request, isDebit: true),
        EnvelopeKind.Credit => Ledger(request, isDebit: false),
        EnvelopeKind.BalanceQuery => Balance(request),
        _ => Reject(request, $"{Self} does not accept {request.Kind}"),
    });

    private Envelope Ledger(Envelope request, bool isDebit)
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
        if (_options.IdempotentOrders && _applied.Contains((ledger.OrderId, isDebit)))
        {
            return Reply(request, replyKind, PaymentsJson.Encode(new LedgerResult(true, true, null, _balance)));
        }

        if (isDebit && _balance < ledger.Amount)
        {
            return Reply(request, replyKind, PaymentsJson.Encode(new LedgerResult(false, false, "insufficient funds", _balance)));
        }

        _balance += isDebit ? -ledger.Amount : ledger.Amount;
        _applied.Add((ledger.OrderId, isDebit));
        _entries.Add(new LedgerEntry(ledger.OrderId, isDebit, ledger.Amount, ledger.Counterparty, ledger.OrderedBy));
        return Reply(request, replyKind, PaymentsJson.Encode(new LedgerResult(true, false, null, _balance)));
    }

    private Envelope Balance(Envelope request)
    {
        var owner = _customers.Find(Owner);
        if (!PaymentsJson.TryDecode<BalanceQueryMessage>(request.Payload, out var query)
            || request.Sender != Owner || owner is null || query.Password != owner.Password)
        {
            return Reject(request, "balance query not authenticated");
        }

        return Reply(request, EnvelopeKind.BalanceReply, PaymentsJson.Encode(new BalanceMessage(_balance)));
    }
}
