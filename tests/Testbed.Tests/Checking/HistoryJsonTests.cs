using System.Text;
using System.Text.Json;
using Testbed.History;
using Xunit;
using HistoryLog = Testbed.History.History;

namespace Testbed.Tests.Checking;

public sealed class HistoryJsonTests
{
    private static readonly TransferOrder Order = new("o-3-17", "account/3", "account/5", 17, "customer/3");

    private static HistoryLog SampleHistory()
    {
        var history = new HistoryLog();
        history.Append(new HistoryOp { Process = 3, Type = OpType.Invoke, Function = OpFunction.Transfer, TimeMicros = 10, Transfer = Order });
        history.Append(new HistoryOp { Process = 4, Type = OpType.Invoke, Function = OpFunction.Read, TimeMicros = 12, Account = "account/5" });
        history.Append(new HistoryOp { Process = 4, Type = OpType.Ok, Function = OpFunction.Read, TimeMicros = 19, Account = "account/5", Balance = 0 });
        history.Append(new HistoryOp { Process = 3, Type = OpType.Info, Function = OpFunction.Transfer, TimeMicros = 30, Transfer = Order, Error = "timeout" });
        history.Append(new HistoryOp { Process = 8, Type = OpType.Fail, Function = OpFunction.Transfer, TimeMicros = 31, Transfer = Order with { Amount = -4 }, Error = "bad \"amount\"\nline" });
        history.Append(new HistoryOp { Process = 9, Type = OpType.Ok, Function = OpFunction.Read, TimeMicros = long.MaxValue, Account = "account/ü", Balance = long.MinValue });
        return history;
    }

    [Fact]
    public void JsonLinesRoundTripPreservesEveryOp()
    {
        var history = SampleHistory();
        using var stream = new MemoryStream();

        history.WriteJsonLines(stream);
        stream.Position = 0;
        var read = HistoryLog.ReadJsonLines(stream);

        Assert.Equal(history.Snapshot(), read);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (long)i), read.Select(op => op.Index));
    }

    [Fact]
    public void EachOpIsOneCamelCaseLineWithLowercaseEnumsAndNoNulls()
    {
        using var stream = new MemoryStream();
        SampleHistory().WriteJsonLines(stream);
        var text = Encoding.UTF8.GetString(stream.ToArray());

        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal(6, lines.Length);

        using var invoke = JsonDocument.Parse(lines[0]);
        var root = invoke.RootElement;
        Assert.Equal(
            new[] { "index", "process", "type", "function", "timeMicros", "transfer" },
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("invoke", root.GetProperty("type").GetString());
        Assert.Equal("transfer", root.GetProperty("function").GetString());
        var transfer = root.GetProperty("transfer");
        Assert.Equal("o-3-17", transfer.GetProperty("orderId").GetString());
        Assert.Equal("account/3", transfer.GetProperty("from").GetString());
        Assert.Equal("account/5", transfer.GetProperty("to").GetString());
        Assert.Equal(17, transfer.GetProperty("amount").GetInt64());
        Assert.Equal("customer/3", transfer.GetProperty("orderedBy").GetString());

        using var readOk = JsonDocument.Parse(lines[2]);
        Assert.Equal("ok", readOk.RootElement.GetProperty("type").GetString());
        Assert.Equal("read", readOk.RootElement.GetProperty("function").GetString());
        Assert.Equal(0, readOk.RootElement.GetProperty("balance").GetInt64());
        Assert.False(readOk.RootElement.TryGetProperty("transfer", out _));
        Assert.False(readOk.RootElement.TryGetProperty("error", out _));

        using var info = JsonDocument.Parse(lines[3]);
        Assert.Equal("info", info.RootElement.GetProperty("type").GetString());
        Assert.Equal("timeout", info.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public void ReadSkipsBlankLinesAndLeavesStreamOpen()
    {
        const string text = "\n{\"index\":4,\"process\":1,\"type\":\"fail\",\"function\":\"read\",\"account\":\"account/1\",\"error\":\"nope\"}\n\n";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));

        var op = Assert.Single(HistoryLog.ReadJsonLines(stream));

        Assert.Equal(new HistoryOp { Index = 4, Process = 1, Type = OpType.Fail, Function = OpFunction.Read, Account = "account/1", Error = "nope" }, op);
        Assert.True(stream.CanRead);
    }

    [Theory]
    [InlineData("{\"type\":\"bogus\",\"function\":\"read\"}")]
    [InlineData("{\"type\":1,\"function\":\"read\"}")]
    [InlineData("{\"type\":\"ok\",")]
    [InlineData("null")]
    public void MalformedLineIsRejectedWithItsLineNumber(string badLine)
    {
        var text = "{\"type\":\"invoke\",\"function\":\"read\"}\n" + badLine + "\n";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));

        var error = Assert.Throws<InvalidDataException>(() => HistoryLog.ReadJsonLines(stream));

        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void AppendAssignsIndexInAppendOrderRegardlessOfInput()
    {
        var history = new HistoryLog();
        var first = history.Append(new HistoryOp { Index = 42, Type = OpType.Invoke, Function = OpFunction.Read });
        var snapshot = history.Snapshot();
        var second = history.Append(new HistoryOp { Index = 42, Type = OpType.Ok, Function = OpFunction.Read, Balance = 3 });

        Assert.Equal(0, first.Index);
        Assert.Equal(1, second.Index);
        Assert.Single(snapshot);
        Assert.Equal(2, history.Count);
        Assert.Equal(new[] { first, second }, history.Snapshot());
    }

    [Fact]
    public void ConcurrentAppendsGetDistinctConsecutiveIndexes()
    {
        var history = new HistoryLog();
        const int threads = 8, perThread = 2_000;

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, process =>
        {
            for (var i = 0; i < perThread; i++)
            {
                history.Append(new HistoryOp { Process = process, Type = OpType.Invoke, Function = OpFunction.Read, TimeMicros = i });
            }
        });

        var ops = history.Snapshot();
        Assert.Equal(threads * perThread, history.Count);
        Assert.Equal(Enumerable.Range(0, threads * perThread).Select(i => (long)i), ops.Select(op => op.Index));
        Assert.All(Enumerable.Range(0, threads), p =>
            Assert.Equal(Enumerable.Range(0, perThread).Select(i => (long)i), ops.Where(op => op.Process == p).Select(op => op.TimeMicros)));
    }
}
