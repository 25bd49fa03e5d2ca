using YamlDotNet.RepresentationModel;

namespace Testbed.Scenarios;

/// <summary>Reads and cross-checks the <c>workload</c> section.</summary>
internal static class WorkloadReader
{
    public const int MinAccounts = 2;
    public const int MaxAccounts = 100_000;
    public const long MaxInitialBalance = 1_000_000_000_000;
    public const int MaxConcurrency = 1024;
    public const double MaxRate = 1_000_000;
    public const int MaxPaddingBytes = 65_536;
    public const int MaxPaymentShards = 64;
    public const int MaxRetries = 10;
    public static readonly TimeSpan MinDuration = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    private static readonly string[] Keys =
    [
        "accounts", "customers", "initialBalance", "operations", "duration", "mode", "concurrency", "rate",
        "readFraction", "maxAmount", "paddingBytes", "paymentShards", "idempotentOrders", "retries",
    ];

    private static readonly string[] Modes = ["closed", "open"];

    /// <summary>The workload, or the defaults when <paramref name="node"/> is null.</summary>
    public static WorkloadSpec Read(ScenarioErrorSink sink, YamlMappingNode? node)
    {
        var defaults = new WorkloadSpec();
        if (node is null)
        {
            return defaults;
        }

        var r = new YamlMappingReader(sink, node, "workload", Keys);

        var accounts = r.Integer("accounts", MinAccounts, MaxAccounts);
        var accountCount = (int)(accounts ?? defaults.Accounts);
        var customers = r.IsInvalid("accounts", accounts)
            ? r.Integer("customers", 1, MaxAccounts)
            : r.Integer("customers", 1, accountCount, "at most workload.accounts");

        var initialBalance = r.Integer("initialBalance", 1, MaxInitialBalance);
        var balance = initialBalance ?? defaults.InitialBalance;
        var maxAmount = r.IsInvalid("initialBalance", initialBalance)
            ? r.Integer("maxAmount", 1, MaxInitialBalance)
            : r.Integer("maxAmount", 1, balance, "at most workload.initialBalance");

        var operations = r.Integer("operations", 1, int.MaxValue);
        var duration = r.Duration("duration", MinDuration, MaxDuration);
        var bothGiven = r.IsGiven("operations") && r.IsGiven("duration");
        if (bothGiven)
        {
            sink.Add(r.KeyMark("duration"), "workload: give either 'operations' or 'duration', not both");
        }

        var mode = ReadMode(r);
        var rate = r.Number("rate", 1, MaxRate);
        if (mode == LoadMode.Open && !r.IsGiven("rate"))
        {
            sink.Add(node, "workload: missing required key 'rate' (required when mode is open)");
        }
        else if (mode == LoadMode.Closed && r.IsGiven("rate"))
        {
            sink.Add(r.KeyMark("rate"), "workload.rate: only allowed when mode is open (mode is closed)");
        }

        var concurrency = r.Integer("concurrency", 1, MaxConcurrency);
        var readFraction = r.Number("readFraction", 0, 1);
        var paddingBytes = r.Integer("paddingBytes", 0, MaxPaddingBytes);
        var paymentShards = r.Integer("paymentShards", 1, MaxPaymentShards);
        var idempotent = r.Boolean("idempotentOrders");
        var retries = r.Integer("retries", 0, MaxRetries);

        var useDuration = r.IsGiven("duration");
        return new WorkloadSpec
        {
            Accounts = accountCount,
            Customers = (int)(customers ?? accountCount),
            InitialBalance = balance,
            Operations = useDuration ? null : (int)(operations ?? defaults.Operations!.Value),
            Duration = useDuration ? duration : null,
            Mode = mode ?? defaults.Mode,
            Concurrency = (int)(concurrency ?? defaults.Concurrency),
            Rate = rate,
            ReadFraction = readFraction ?? defaults.ReadFraction,
            MaxAmount = maxAmount ?? Math.Min(defaults.MaxAmount, balance),
            PaddingBytes = (int)(paddingBytes ?? defaults.PaddingBytes),
            PaymentShards = (int)(paymentShards ?? defaults.PaymentShards),
            IdempotentOrders = idempotent ?? defaults.IdempotentOrders,
            Retries = (int)(retries ?? defaults.Retries),
        };
    }

    /// <summary>The mode given (Closed when absent), or null when the value is invalid.</summary>
    private static LoadMode? ReadMode(YamlMappingReader r)
    {
        if (r.Value("mode") is not { } node)
        {
            return LoadMode.Closed;
        }

        var text = YamlScalars.Text(r.Sink, node, r.Name("mode"));
        switch (text)
        {
            case null:
                return null;
            case "closed":
                return LoadMode.Closed;
            case "open":
                return LoadMode.Open;
            default:
                r.Sink.Add(node, $"workload.mode: expected one of {string.Join(", ", Modes)}, found {YamlScalars.Quote(text)}");
                return null;
        }
    }
}
