using System.Buffers;

namespace Kata.Ttrpc.Framing;

/// <summary>
/// Writes whole ttrpc frames to a connection, one at a time (a write lock), header and data in one buffer, so
/// frames of concurrent calls never interleave. A frame whose data exceeds 4 MiB is refused before anything is sent.
/// </summary>
public sealed class FrameWriter
{
    private readonly Stream _stream;
    // Never disposed: a SemaphoreSlim without AvailableWaitHandle holds no OS resource, and disposing it would race
    // with writers still waiting while the connection closes.
    private readonly SemaphoreSlim _lock = new(1, 1);

    public FrameWriter(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>Sends one frame. Cancellation only applies while waiting for the lock: a started frame is always finished.</summary>
    public async ValueTask WriteAsync(uint streamId, FrameType type, FrameFlags flags, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        await WriteAsync(() => streamId, type, flags, data, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sends one frame whose stream id is chosen under the write lock: a client allocates increasing ids this way so
    /// they reach the wire in increasing order, which servers enforce ("StreamID cannot be re-used and must increment").
    /// </summary>
    public async ValueTask<uint> WriteAsync(Func<uint> allocateStreamId, FrameType type, FrameFlags flags, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfOversized(data.Length);
        int frameLength = FrameHeader.Size + data.Length;
        byte[] frame = ArrayPool<byte>.Shared.Rent(frameLength);
        try
        {
            data.Span.CopyTo(frame.AsSpan(FrameHeader.Size));
            await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                uint streamId = allocateStreamId();
                new FrameHeader((uint)data.Length, streamId, type, flags).Write(frame);
                await _stream.WriteAsync(frame.AsMemory(0, frameLength), CancellationToken.None).ConfigureAwait(false);
                await _stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                return streamId;
            }
            finally
            {
                _lock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>Throws RESOURCE_EXHAUSTED (ttrpc's wording) for data above the 4 MiB limit.</summary>
    public static void ThrowIfOversized(int length)
    {
        if (length > FrameHeader.MaxDataLength)
        {
            throw new TtrpcException(StatusCode.ResourceExhausted, FrameHeader.OversizeMessage(length));
        }
    }
}
