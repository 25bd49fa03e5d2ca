using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Orleans.Configuration;

namespace Testbed.Hosting.Cluster.Links;

/// <summary>
/// Orleans connection middleware that sees the bytes of a silo's sockets: it wraps each connection's transport and
/// counts what the silo reads (silo-to-silo connections on both ends, client connections at the gateway). Registered
/// before <c>UseTls</c>, it is the outermost middleware and sees exactly what crosses the socket: ciphertext when
/// transport TLS is on. It never changes a byte.
/// </summary>
public static class LinkTap
{
    /// <summary>Taps every inbound and outbound silo connection and every gateway connection of the silo into <paramref name="counters"/>.</summary>
    public static ISiloBuilder AddLinkTap(this ISiloBuilder silo, LinkCounters counters)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(counters);
        return silo.Configure<SiloConnectionOptions>(c =>
        {
            c.ConfigureSiloInboundConnection(b => b.Use(Tap(counters, LinkKind.Silo)));
            c.ConfigureSiloOutboundConnection(b => b.Use(Tap(counters, LinkKind.Silo)));
            c.ConfigureGatewayInboundConnection(b => b.Use(Tap(counters, LinkKind.Gateway)));
        });
    }

    private static Func<ConnectionDelegate, ConnectionDelegate> Tap(LinkCounters counters, LinkKind kind) =>
        next => context =>
        {
            counters.Opened(kind);
            var transport = context.Transport;
            context.Transport = new TappedPipe(new TappedReader(transport.Input, counters, kind), transport.Output);
            return next(context);
        };

    private sealed class TappedPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>Forwards every call; counts the bytes the reader consumes, once, before the pipe may recycle them.</summary>
    private sealed class TappedReader(PipeReader inner, LinkCounters counters, LinkKind kind) : PipeReader
    {
        private readonly CanarySearch _search = new();
        private ReadOnlySequence<byte> _last;

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var result = await inner.ReadAsync(cancellationToken);
            _last = result.Buffer;
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result))
            {
                return false;
            }

            _last = result.Buffer;
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            var read = _last.Slice(_last.Start, consumed);
            if (!read.IsEmpty)
            {
                var canaries = 0;
                foreach (var segment in read)
                {
                    canaries += _search.Count(segment.Span);
                }

                counters.Read(kind, read.Length, canaries);
            }

            _last = default;
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }
}

/// <summary>Counts <see cref="LinkCounters.Canary"/> in a stream fed in pieces, also where it spans two pieces.</summary>
internal sealed class CanarySearch
{
    private readonly byte[] _carry = new byte[LinkCounters.Canary.Length - 1];
    private readonly byte[] _seam = new byte[(LinkCounters.Canary.Length - 1) * 2];
    private int _carried;

    /// <summary>Occurrences that end in <paramref name="piece"/> (each counted once over the stream).</summary>
    public int Count(ReadOnlySpan<byte> piece)
    {
        var canary = LinkCounters.Canary;
        var found = 0;
        if (_carried > 0 && piece.Length > 0)
        {
            // Only matches that start in the carried tail: the others lie inside the piece and are counted below.
            var head = piece[..Math.Min(piece.Length, canary.Length - 1)];
            _carry.AsSpan(0, _carried).CopyTo(_seam);
            head.CopyTo(_seam.AsSpan(_carried));
            var seam = _seam.AsSpan(0, _carried + head.Length);
            for (var start = 0; start < _carried; start++)
            {
                if (seam[start..].StartsWith(canary))
                {
                    found++;
                }
            }
        }

        for (var rest = piece; ;)
        {
            var at = rest.IndexOf(canary);
            if (at < 0)
            {
                break;
            }

            found++;
            rest = rest[(at + canary.Length)..];
        }

        Carry(piece);
        return found;
    }

    private void Carry(ReadOnlySpan<byte> piece)
    {
        var keep = _carry.Length;
        if (piece.Length >= keep)
        {
            piece[^keep..].CopyTo(_carry);
            _carried = keep;
            return;
        }

        // A short piece: keep the end of what was carried, then the piece.
        var fromOld = Math.Min(_carried, keep - piece.Length);
        _carry.AsSpan(_carried - fromOld, fromOld).CopyTo(_seam);
        piece.CopyTo(_seam.AsSpan(fromOld));
        _seam.AsSpan(0, fromOld + piece.Length).CopyTo(_carry);
        _carried = fromOld + piece.Length;
    }
}
