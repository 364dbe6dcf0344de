using System.Buffers;
using System.IO.Pipelines;

namespace Kata.Ttrpc.Framing;

/// <summary>
/// Reads ttrpc frames from a connection through System.IO.Pipelines: the pipe reads from the socket only when the
/// next frame is wanted, so a peer that sends faster than we handle is held back by the socket buffer
/// (back-pressure), and at most one frame (≤ 4 MiB) is buffered.
/// </summary>
public sealed class FrameReader
{
    private readonly PipeReader _reader;

    public FrameReader(PipeReader reader)
    {
        _reader = reader;
    }

    public FrameReader(Stream stream)
        : this(PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true)))
    {
    }

    /// <summary>
    /// The next frame. An oversized frame's data is consumed and dropped (channel.go recv does the same), so the
    /// connection stays in sync. Throws <see cref="TtrpcProtocolException"/> for a stream that is not ttrpc or ends
    /// inside a frame.
    /// </summary>
    public async ValueTask<FrameReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        var result = await _reader.ReadAtLeastAsync(FrameHeader.Size, cancellationToken).ConfigureAwait(false);
        var buffer = result.Buffer;
        if (buffer.Length < FrameHeader.Size)
        {
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (buffer.Length == 0)
            {
                return FrameReadResult.EndOfStream;
            }

            throw new TtrpcProtocolException($"connection closed inside a frame header ({buffer.Length} of {FrameHeader.Size} bytes)");
        }

        var header = ReadHeader(buffer);
        if (header.Length >= FrameHeader.ReservedLengthStart)
        {
            _reader.AdvanceTo(buffer.Start, buffer.End);
            throw new TtrpcProtocolException(
                $"not a ttrpc frame: the reserved first header byte is 0x{header.Length >> 24:x2} " +
                $"(length {header.Length}, stream {header.StreamId}, type {(byte)header.Type})");
        }

        if (header.Length > FrameHeader.MaxDataLength)
        {
            _reader.AdvanceTo(buffer.GetPosition(FrameHeader.Size));
            await DiscardAsync(header, cancellationToken).ConfigureAwait(false);
            return new FrameReadResult(FrameReadStatus.Oversized, new Frame(header, ReadOnlyMemory<byte>.Empty));
        }

        long frameLength = FrameHeader.Size + header.Length;
        if (buffer.Length < frameLength)
        {
            _reader.AdvanceTo(buffer.Start, buffer.End);
            result = await _reader.ReadAtLeastAsync((int)frameLength, cancellationToken).ConfigureAwait(false);
            buffer = result.Buffer;
            if (buffer.Length < frameLength)
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
                throw new TtrpcProtocolException(
                    $"connection closed inside a frame: stream {header.StreamId} announced {header.Length} data bytes, got {buffer.Length - FrameHeader.Size}");
            }
        }

        var data = buffer.Slice(FrameHeader.Size, header.Length).ToArray();
        _reader.AdvanceTo(buffer.GetPosition(frameLength));
        return new FrameReadResult(FrameReadStatus.Frame, new Frame(header, data));
    }

    /// <summary>Stops reading (the pipe, not the socket).</summary>
    public ValueTask CompleteAsync() => _reader.CompleteAsync();

    private static FrameHeader ReadHeader(ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[FrameHeader.Size];
        buffer.Slice(0, FrameHeader.Size).CopyTo(header);
        return FrameHeader.Read(header);
    }

    private async ValueTask DiscardAsync(FrameHeader header, CancellationToken cancellationToken)
    {
        long remaining = header.Length;
        while (remaining > 0)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            long take = Math.Min(remaining, result.Buffer.Length);
            _reader.AdvanceTo(result.Buffer.GetPosition(take));
            remaining -= take;
            if (remaining > 0 && result.IsCompleted)
            {
                throw new TtrpcProtocolException(
                    $"connection closed while discarding an oversized frame: stream {header.StreamId}, {FrameHeader.OversizeMessage(header.Length)}, {remaining} bytes missing");
            }
        }
    }
}
