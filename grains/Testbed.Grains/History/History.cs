using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Testbed.History;

/// <summary>
/// An append-only, thread-safe record of client operations. Many client loops append concurrently;
/// <see cref="Append"/> stamps each op with its 0-based position.
/// </summary>
public sealed class History
{
    private static readonly JsonSerializerOptions JsonOptions = CreateJsonOptions();

    private readonly object _gate = new();
    private readonly List<HistoryOp> _ops = [];

    /// <summary>Number of ops appended so far.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _ops.Count;
            }
        }
    }

    /// <summary>Appends <paramref name="op"/>, assigning its <see cref="HistoryOp.Index"/>; returns the stored op.</summary>
    public HistoryOp Append(HistoryOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        lock (_gate)
        {
            var stored = op with { Index = _ops.Count };
            _ops.Add(stored);
            return stored;
        }
    }

    /// <summary>A copy of the ops appended so far, in append order.</summary>
    public IReadOnlyList<HistoryOp> Snapshot()
    {
        lock (_gate)
        {
            return _ops.ToArray();
        }
    }

    /// <summary>
    /// Writes the history as JSON lines: one camelCase object per op, enums as lowercase strings, nulls omitted.
    /// The stream is left open.
    /// </summary>
    public void WriteJsonLines(Stream stream) => WriteJsonLines(Snapshot(), stream);

    /// <summary>Writes <paramref name="ops"/> in the same JSON-lines format as <see cref="WriteJsonLines(Stream)"/>.</summary>
    public static void WriteJsonLines(IEnumerable<HistoryOp> ops, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(ops);
        ArgumentNullException.ThrowIfNull(stream);
        foreach (var op in ops)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(op, JsonOptions);
            stream.Write(bytes);
            stream.WriteByte((byte)'\n');
        }

        stream.Flush();
    }

    /// <summary>Reads ops written by <see cref="WriteJsonLines(Stream)"/>; blank lines are skipped. The stream is left open.</summary>
    /// <exception cref="InvalidDataException">A line is not a valid op.</exception>
    public static IReadOnlyList<HistoryOp> ReadJsonLines(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var ops = new List<HistoryOp>();
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            HistoryOp? op;
            try
            {
                op = JsonSerializer.Deserialize<HistoryOp>(line, JsonOptions);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"history line {lineNumber} is not a valid op: {ex.Message}", ex);
            }

            ops.Add(op ?? throw new InvalidDataException($"history line {lineNumber} is null"));
        }

        return ops;
    }

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = false,
        };
        options.Converters.Add(new JsonStringEnumConverter(new LowerCaseNamingPolicy(), allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class LowerCaseNamingPolicy : JsonNamingPolicy
    {
        public override string ConvertName(string name) => name.ToLowerInvariant();
    }
}
