using Testbed.Checking;
using Testbed.History;
using Xunit;
using HistoryLog = Testbed.History.History;

namespace Testbed.Tests.Checking;

/// <summary>
/// Test double of a payments run: records client ops in a real <see cref="HistoryLog"/> and applies transfers to
/// in-memory accounts the way a correct payment service would, with explicit hooks to tamper with the outcome.
/// Account i is "account/i", owned by "customer/i".
/// </summary>
internal sealed class PaymentsScenario
{
    private readonly HistoryLog _history = new();
    private readonly List<AccountBook> _accounts = [];
    private long _time;

    public PaymentsScenario(params long[] initialBalances)
    {
        for (var i = 0; i < initialBalances.Length; i++)
        {
            _accounts.Add(new AccountBook(AccountId(i), CustomerId(i), initialBalances[i]));
        }
    }

    public static string AccountId(int i) => $"account/{i}";

    public static string CustomerId(int i) => $"customer/{i}";

    public IReadOnlyList<HistoryOp> History => _history.Snapshot();

    public IReadOnlyList<AccountState> FinalState =>
        _accounts.Select(a => new AccountState(a.Account, a.Owner, a.Initial, a.Balance, a.Entries.ToArray())).ToArray();

    public long BalanceOf(int account) => _accounts[account].Balance;

    /// <summary>An order from account <paramref name="from"/> to <paramref name="to"/>, by the payer's owner unless told otherwise.</summary>
    public static TransferOrder Order(string id, int from, int to, long amount, int? orderedBy = null) =>
        new(id, AccountId(from), AccountId(to), amount, CustomerId(orderedBy ?? from));

    public HistoryOp Invoke(TransferOrder order, int process = 0) =>
        Append(new HistoryOp { Process = process, Type = OpType.Invoke, Function = OpFunction.Transfer, Transfer = order });

    public HistoryOp Complete(TransferOrder order, OpType outcome, int process = 0, string? error = null) =>
        Append(new HistoryOp
        {
            Process = process,
            Type = outcome,
            Function = OpFunction.Transfer,
            Transfer = order,
            Error = error ?? (outcome == OpType.Fail ? "rejected" : outcome == OpType.Info ? "timeout" : null),
        });

    /// <summary>Invoke, optionally apply, then complete with <paramref name="outcome"/> (no completion when null: pending).</summary>
    public TransferOrder Transfer(string id, int from, int to, long amount, OpType? outcome, bool applied, int? orderedBy = null, int process = 0)
    {
        var order = Order(id, from, to, amount, orderedBy);
        Invoke(order, process);
        if (applied)
        {
            Apply(order);
        }

        if (outcome is { } type)
        {
            Complete(order, type, process);
        }

        return order;
    }

    /// <summary>What a correct service does: debit the payer, credit the payee.</summary>
    public void Apply(TransferOrder order)
    {
        Debit(order.From, order.OrderId, order.Amount, order.To, order.OrderedBy);
        Credit(order.To, order.OrderId, order.Amount, order.From, order.OrderedBy);
    }

    public void Debit(string account, string orderId, long amount, string counterparty, string orderedBy) =>
        Find(account).Record(new AppliedEntry(orderId, EntryDirection.Debit, amount, counterparty, orderedBy), -amount);

    public void Credit(string account, string orderId, long amount, string counterparty, string orderedBy) =>
        Find(account).Record(new AppliedEntry(orderId, EntryDirection.Credit, amount, counterparty, orderedBy), amount);

    /// <summary>Changes a balance without any entry (money appearing or vanishing).</summary>
    public void AdjustBalance(int account, long delta) => _accounts[account].Balance += delta;

    /// <summary>A read of the current balance, invoked and completed ok.</summary>
    public void Read(int account, int process = 0)
    {
        Append(new HistoryOp { Process = process, Type = OpType.Invoke, Function = OpFunction.Read, Account = AccountId(account) });
        Append(new HistoryOp
        {
            Process = process,
            Type = OpType.Ok,
            Function = OpFunction.Read,
            Account = AccountId(account),
            Balance = _accounts[account].Balance,
        });
    }

    public HistoryOp Append(HistoryOp op) => _history.Append(op with { TimeMicros = _time += 10 });

    public CheckReport Check(int maxCounterexamples = 5) => HistoryChecker.Check(History, FinalState, maxCounterexamples);

    /// <summary>Asserts that exactly <paramref name="violated"/> fail, each with a counterexample mentioning <paramref name="mention"/>.</summary>
    public static void AssertViolations(CheckReport report, string mention, params string[] violated)
    {
        var failing = report.Invariants.Where(r => !r.Holds).Select(r => r.Name).Order(StringComparer.Ordinal);
        Assert.Equal(string.Join(", ", violated.Order(StringComparer.Ordinal)), string.Join(", ", failing));
        foreach (var result in report.Invariants)
        {
            if (result.Holds)
            {
                Assert.Empty(result.Counterexamples);
            }
            else
            {
                Assert.Contains(result.Counterexamples, c => c.Contains(mention, StringComparison.Ordinal));
            }
        }
    }

    private AccountBook Find(string account) => _accounts.Single(a => a.Account == account);

    private sealed class AccountBook(string account, string owner, long initial)
    {
        public string Account { get; } = account;

        public string Owner { get; } = owner;

        public long Initial { get; } = initial;

        public long Balance { get; set; } = initial;

        public List<AppliedEntry> Entries { get; } = [];

        public void Record(AppliedEntry entry, long delta)
        {
            Entries.Add(entry);
            Balance += delta;
        }
    }
}
