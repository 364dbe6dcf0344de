namespace Kata.Agent.Containers;

/// <summary>
/// What a process wrote to stdout or stderr and the host has not read yet (ReadStdout/ReadStderr). Bounded: when the
/// host stops reading, the pump stops draining the pipe, the pipe fills and the process blocks on write — back-pressure
/// instead of unbounded memory in the agent.
/// </summary>
public sealed class OutputBuffer
{
    public const int Capacity = 1 << 20;

    private readonly object _lock = new();
    private readonly Queue<byte[]> _chunks = new();
    private int _offset;
    private int _buffered;
    private bool _closed;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>Appends <paramref name="data"/>, waiting while the buffer is full.</summary>
    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancel)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_buffered < Capacity)
                {
                    _chunks.Enqueue(data.ToArray());
                    _buffered += data.Length;
                    Signal();
                    return;
                }
                wait = _changed.Task;
            }
            await wait.WaitAsync(cancel);
        }
    }

    /// <summary>No more data will come (the process closed the stream); readers get EOF once drained.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Signal();
        }
    }

    /// <summary>Waits for data; returns up to <paramref name="max"/> bytes, or an empty array with eof = true when closed and drained.</summary>
    public async Task<(byte[] Data, bool Eof)> ReadAsync(int max, CancellationToken cancel)
    {
        max = Math.Clamp(max, 1, Capacity);
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_buffered > 0)
                {
                    return (Take(max), false);
                }
                if (_closed)
                {
                    return ([], true);
                }
                wait = _changed.Task;
            }
            await wait.WaitAsync(cancel);
        }
    }

    private byte[] Take(int max)
    {
        int length = Math.Min(max, _buffered);
        byte[] result = new byte[length];
        int copied = 0;
        while (copied < length)
        {
            byte[] head = _chunks.Peek();
            int n = Math.Min(head.Length - _offset, length - copied);
            Array.Copy(head, _offset, result, copied, n);
            copied += n;
            _offset += n;
            if (_offset == head.Length)
            {
                _chunks.Dequeue();
                _offset = 0;
            }
        }
        _buffered -= length;
        Signal();
        return result;
    }

    private void Signal()
    {
        _changed.TrySetResult();
        _changed = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
