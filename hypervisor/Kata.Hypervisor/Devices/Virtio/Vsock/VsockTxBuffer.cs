using System.Buffers;

namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// Guest-to-host bytes waiting for a host socket that would block (Firecracker's csm/txbuf.rs), bounded by
/// <see cref="Capacity"/>. The array is rented from the shared pool only while something is buffered and returned as
/// soon as it drains, so idle connections hold no memory. Not thread-safe (the muxer's lock covers it).
/// </summary>
internal sealed class VsockTxBuffer
{
    private byte[]? _array;
    private int _start;
    private int _end;

    public VsockTxBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Length => _end - _start;

    public bool IsEmpty => _end == _start;

    public int Free => Capacity - Length;

    /// <summary>Appends all of <paramref name="data"/>, or nothing (false) when it does not fit.</summary>
    public bool TryAppend(ReadOnlySpan<byte> data)
    {
        if (data.Length > Free)
        {
            return false;
        }
        if (data.IsEmpty)
        {
            return true;
        }
        _array ??= ArrayPool<byte>.Shared.Rent(Capacity);
        if (_array.Length - _end < data.Length)
        {
            // Compact: at most Capacity bytes move, and only when the tail is short.
            Buffer.BlockCopy(_array, _start, _array, 0, Length);
            _end -= _start;
            _start = 0;
        }
        data.CopyTo(_array.AsSpan(_end));
        _end += data.Length;
        return true;
    }

    /// <summary>
    /// Writes as much as the non-blocking <paramref name="socket"/> takes. Returns the bytes written; <paramref name="errno"/>
    /// is 0 when everything went or the socket would block (try again when writable), else the failure.
    /// </summary>
    public int FlushTo(UnixStreamSocket socket, out int errno)
    {
        errno = 0;
        int total = 0;
        while (!IsEmpty)
        {
            int sent = socket.Send(_array.AsSpan(_start, Length), out int error);
            if (sent < 0)
            {
                errno = UnixStreamSocket.WouldBlock(error) ? 0 : error;
                break;
            }
            if (sent == 0)
            {
                break;
            }
            total += sent;
            _start += sent;
        }
        if (IsEmpty)
        {
            Release();
        }
        return total;
    }

    /// <summary>Drops everything buffered (the connection is reset) and returns the memory.</summary>
    public void Clear() => Release();

    private void Release()
    {
        if (_array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = null;
        }
        _start = _end = 0;
    }
}
