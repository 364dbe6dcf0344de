using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kata.Container.Interop;

namespace Kata.Container.Spawn;

/// <summary>
/// One end of the engine ⇄ stage socketpair: length-prefixed (u32 little-endian) JSON messages. Blocking calls; the
/// engine reads with a deadline so a wedged stage cannot hang it.
/// </summary>
internal sealed unsafe class SyncChannel : IDisposable
{
    private const int MaxMessageBytes = 16 * 1024 * 1024;

    public SyncChannel(FileDescriptor descriptor)
    {
        Descriptor = descriptor;
    }

    public FileDescriptor Descriptor { get; }

    /// <summary>A connected AF_UNIX stream pair, both ends close-on-exec.</summary>
    public static (SyncChannel Ours, FileDescriptor Theirs) CreatePair()
    {
        var fds = stackalloc int[2];
        Errno.Check(Libc.SocketPair(LinuxConstants.AF_UNIX, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0, fds), "socketpair");
        return (new SyncChannel(new FileDescriptor(fds[0])), new FileDescriptor(fds[1]));
    }

    public void Send<T>(T message, JsonTypeInfo<T> typeInfo)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(message, typeInfo);
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame, 4);
        WriteAll(frame);
    }

    /// <summary>Receives one message, or null at end of stream (the peer closed or exec'd).</summary>
    public T? Receive<T>(JsonTypeInfo<T> typeInfo, int timeoutMilliseconds = -1) where T : class
    {
        Span<byte> header = stackalloc byte[4];
        if (!ReadExactly(header, timeoutMilliseconds, allowEndOfStream: true))
        {
            return null;
        }
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length > MaxMessageBytes)
        {
            throw new InvalidDataException($"sync message of {length} bytes is over the {MaxMessageBytes}-byte limit");
        }
        var payload = new byte[length];
        ReadExactly(payload, timeoutMilliseconds, allowEndOfStream: false);
        return JsonSerializer.Deserialize(payload, typeInfo)
            ?? throw new InvalidDataException("sync message is JSON null");
    }

    private void WriteAll(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            var written = 0;
            while (written < data.Length)
            {
                var result = Libc.Write(Descriptor.Fd, start + written, (nuint)(data.Length - written));
                if (result < 0)
                {
                    if (Errno.Last == Errno.EINTR)
                    {
                        continue;
                    }
                    throw new SyscallException("write", Errno.Last, "sync socket");
                }
                written += (int)result;
            }
        }
    }

    private bool ReadExactly(Span<byte> buffer, int timeoutMilliseconds, bool allowEndOfStream)
    {
        var filled = 0;
        fixed (byte* start = buffer)
        {
            while (filled < buffer.Length)
            {
                if (timeoutMilliseconds >= 0)
                {
                    WaitReadable(timeoutMilliseconds);
                }
                var result = Libc.Read(Descriptor.Fd, start + filled, (nuint)(buffer.Length - filled));
                if (result < 0)
                {
                    if (Errno.Last == Errno.EINTR)
                    {
                        continue;
                    }
                    throw new SyscallException("read", Errno.Last, "sync socket");
                }
                if (result == 0)
                {
                    if (filled == 0 && allowEndOfStream)
                    {
                        return false;
                    }
                    throw new EndOfStreamException($"sync socket closed after {filled} of {buffer.Length} bytes");
                }
                filled += (int)result;
            }
        }
        return true;
    }

    private void WaitReadable(int timeoutMilliseconds)
    {
        var poll = new PollFd { Fd = Descriptor.Fd, Events = LinuxConstants.POLLIN };
        while (true)
        {
            var ready = Libc.Poll(&poll, 1, timeoutMilliseconds);
            if (ready > 0)
            {
                return;
            }
            if (ready == 0)
            {
                throw new TimeoutException($"the container stage did not answer within {timeoutMilliseconds} ms");
            }
            if (Errno.Last != Errno.EINTR)
            {
                throw new SyscallException("poll", Errno.Last, "sync socket");
            }
        }
    }

    public void Dispose() => Descriptor.Dispose();
}
