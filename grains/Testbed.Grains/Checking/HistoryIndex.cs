using Testbed.History;

namespace Testbed.Checking;

/// <summary>What the history says about one order id: its invocations and how they completed.</summary>
internal sealed class OrderAttempts
{
    /// <summary>Transfer invokes carrying this order id, in history order (more than one when a client retries the id).</summary>
    public List<HistoryOp> Invokes { get; } = [];

    public int Ok { get; set; }

    public int Fail { get; set; }

    public int Info { get; set; }

    /// <summary>The first ok completion and the invoke it completed.</summary>
    public (HistoryOp Invoke, HistoryOp Completion)? FirstOk { get; set; }

    /// <summary>The first fail completion.</summary>
    public HistoryOp? FirstFail { get; set; }

    /// <summary>True when every invoke of this order id completed with fail: the order definitely did not happen.</summary>
    public bool DefinitelyFailed => Invokes.Count > 0 && Fail == Invokes.Count;
}

/// <summary>
/// Pairs completions with invokes in one pass. A transfer completion is matched to the oldest open invoke with
/// the same order id (so retries of an id and several ops in flight per process both work); any other op is
/// matched to the oldest open invoke of the same process and function. Completions with no open invoke
/// (orphans, second completions) are ignored, see <see cref="HistoryStats"/>.
/// </summary>
internal sealed class HistoryIndex
{
    private HistoryIndex(Dictionary<string, OrderAttempts> orders, List<string> acknowledged, HistoryStats stats)
    {
        Orders = orders;
        Acknowledged = acknowledged;
        Stats = stats;
    }

    /// <summary>Per order id, its attempts.</summary>
    public IReadOnlyDictionary<string, OrderAttempts> Orders { get; }

    /// <summary>Order ids with at least one ok completion, in order of their first ok.</summary>
    public IReadOnlyList<string> Acknowledged { get; }

    public HistoryStats Stats { get; }

    public static HistoryIndex Build(IReadOnlyList<HistoryOp> history)
    {
        var orders = new Dictionary<string, OrderAttempts>(StringComparer.Ordinal);
        var acknowledged = new List<string>();
        var open = new Dictionary<PairKey, Queue<HistoryOp>>();
        int invocations = 0, ok = 0, fail = 0, info = 0;

        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i] ?? throw new ArgumentException($"history element {i} is null", nameof(history));
            var key = PairKey.Of(op);
            if (op.Type == OpType.Invoke)
            {
                invocations++;
                if (!open.TryGetValue(key, out var queue))
                {
                    queue = new Queue<HistoryOp>();
                    open.Add(key, queue);
                }

                queue.Enqueue(op);
                if (key.OrderId is { } orderId)
                {
                    if (!orders.TryGetValue(orderId, out var attempts))
                    {
                        attempts = new OrderAttempts();
                        orders.Add(orderId, attempts);
                    }

                    attempts.Invokes.Add(op);
                }

                continue;
            }

            if (!open.TryGetValue(key, out var waiting) || !waiting.TryDequeue(out var invoke))
            {
                continue; // orphan or duplicate completion: ignored by design
            }

            var record = key.OrderId is { } id ? orders[id] : null;
            switch (op.Type)
            {
                case OpType.Ok:
                    ok++;
                    if (record is not null)
                    {
                        record.Ok++;
                        if (record.FirstOk is null)
                        {
                            record.FirstOk = (invoke, op);
                            acknowledged.Add(key.OrderId!);
                        }
                    }

                    break;
                case OpType.Fail:
                    fail++;
                    if (record is not null)
                    {
                        record.Fail++;
                        record.FirstFail ??= op;
                    }

                    break;
                case OpType.Info:
                    info++;
                    if (record is not null)
                    {
                        record.Info++;
                    }

                    break;
                default:
                    throw new ArgumentException($"op #{op.Index} has unknown type {op.Type}", nameof(history));
            }
        }

        var pending = invocations - ok - fail - info;
        return new HistoryIndex(orders, acknowledged, new HistoryStats(invocations, ok, fail, info, pending));
    }

    /// <summary>What a completion must share with its invoke: the order id for transfers, else process and function.</summary>
    private readonly record struct PairKey(string? OrderId, int Process, OpFunction Function)
    {
        public static PairKey Of(HistoryOp op) =>
            op.Function == OpFunction.Transfer && op.Transfer is { } order
                ? new PairKey(order.OrderId, 0, OpFunction.Transfer)
                : new PairKey(null, op.Process, op.Function);
    }
}
