using System.Buffers;
using System.IO.Pipelines;

namespace Kata.Hypervisor.Api;

/// <summary>
/// Reads newline-delimited lines from a <see cref="PipeReader"/> with a hard length limit, so a peer that never sends
/// a newline costs at most the limit in memory.
/// </summary>
public static class NdjsonLineReader
{
    public static async ValueTask<LineReadResult> ReadLineAsync(PipeReader reader, int maxLineBytes, CancellationToken cancellationToken)
    {
        // Bytes already searched for a newline, so a line that trickles in is not rescanned from its start.
        long scanned = 0;
        while (true)
        {
            ReadResult read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = read.Buffer;
            SequencePosition? newline = buffer.Slice(scanned).PositionOf((byte)'\n');
            if (newline is { } end)
            {
                ReadOnlySequence<byte> line = buffer.Slice(0, end);
                if (line.Length > maxLineBytes)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    return new LineReadResult(LineReadStatus.TooLong, BufferedBytes: line.Length);
                }
                byte[] bytes = line.ToArray();
                reader.AdvanceTo(buffer.GetPosition(1, end));
                int length = bytes.Length;
                if (length > 0 && bytes[length - 1] == (byte)'\r')
                {
                    Array.Resize(ref bytes, length - 1);
                }
                return new LineReadResult(LineReadStatus.Line, bytes);
            }
            if (buffer.Length > maxLineBytes)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return new LineReadResult(LineReadStatus.TooLong, BufferedBytes: buffer.Length);
            }
            if (read.IsCompleted || read.IsCanceled)
            {
                long left = buffer.Length;
                reader.AdvanceTo(buffer.End);
                return left == 0
                    ? new LineReadResult(LineReadStatus.EndOfStream)
                    : new LineReadResult(LineReadStatus.Truncated, BufferedBytes: left);
            }
            scanned = buffer.Length;
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
