using Kata.Hypervisor.Interop;

namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// A non-blocking, close-on-exec AF_UNIX stream socket (unix(7)) owned by the vsock muxer: the listener at
/// <c>--vsock-uds</c>, an accepted host client, or a connection to <c>PATH_port</c>. Raw descriptors rather than
/// <see cref="System.Net.Sockets.Socket"/>: the event loop holds a reference on the handle while it watches it, and a
/// plain <see cref="FileDescriptorHandle"/> then closes on the last release instead of waiting for it.
/// <para>
/// Calls never block and never throw for I/O failures: they return -1 with errno (EAGAIN when the call would block).
/// Writes use MSG_NOSIGNAL, so a peer that has gone is EPIPE, not SIGPIPE.
/// </para>
/// </summary>
public sealed class UnixStreamSocket : IDisposable
{
    private const int SocketType = UnixSocketCalls.SOCK_STREAM | UnixSocketCalls.SOCK_NONBLOCK | UnixSocketCalls.SOCK_CLOEXEC;

    private UnixStreamSocket(FileDescriptorHandle handle)
    {
        Handle = handle;
    }

    /// <summary>The descriptor (registered with the event loop by the poller).</summary>
    public FileDescriptorHandle Handle { get; }

    /// <summary>Whether <paramref name="path"/> fits in <c>sockaddr_un.sun_path</c> (at most 107 UTF-8 bytes).</summary>
    public static bool IsValidPath(string path) => SockAddrUn.TryCreate(path, out _, out _);

    /// <summary>Binds a listening socket at <paramref name="path"/>; throws <see cref="SystemCallException"/> (EADDRINUSE when something is there).</summary>
    public static unsafe UnixStreamSocket Listen(string path, int backlog)
    {
        if (!SockAddrUn.TryCreate(path, out SockAddrUn address, out int length))
        {
            throw new ArgumentException($"'{path}' is not a valid Unix socket path (1..{SockAddrUn.MaxPathBytes} bytes)", nameof(path));
        }
        UnixStreamSocket socket = Create();
        try
        {
            Errno.Check(UnixSocketCalls.Bind(socket.Handle.Fd, &address, length), "bind", path);
            Errno.Check(UnixSocketCalls.Listen(socket.Handle.Fd, backlog), "listen", path);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects to the listener at <paramref name="path"/> without waiting. Null with errno when that fails (ENOENT,
    /// ECONNREFUSED, EAGAIN for a full backlog, or EINVAL for a path that does not fit).
    /// </summary>
    public static unsafe UnixStreamSocket? TryConnect(string path, out int errno)
    {
        if (!SockAddrUn.TryCreate(path, out SockAddrUn address, out int length))
        {
            errno = 22; // EINVAL
            return null;
        }
        int fd = UnixSocketCalls.Socket(UnixSocketCalls.AF_UNIX, SocketType, 0);
        if (fd < 0)
        {
            errno = Errno.Last;
            return null;
        }
        var socket = new UnixStreamSocket(new FileDescriptorHandle(fd));
        int result;
        do
        {
            result = UnixSocketCalls.Connect(fd, &address, length);
            errno = result < 0 ? Errno.Last : 0;
        }
        while (result < 0 && errno == Libc.EINTR);
        if (result < 0)
        {
            socket.Dispose();
            return null;
        }
        return socket;
    }

    /// <summary>Accepts one waiting client (non-blocking, close-on-exec); null with errno EAGAIN when none is waiting.</summary>
    public unsafe UnixStreamSocket? TryAccept(out int errno)
    {
        while (true)
        {
            int fd = UnixSocketCalls.Accept4(Handle.Fd, null, null, UnixSocketCalls.SOCK_NONBLOCK | UnixSocketCalls.SOCK_CLOEXEC);
            if (fd >= 0)
            {
                errno = 0;
                return new UnixStreamSocket(new FileDescriptorHandle(fd));
            }
            errno = Errno.Last;
            if (errno != Libc.EINTR)
            {
                return null;
            }
        }
    }

    /// <summary>Reads into <paramref name="buffer"/>: the byte count (0 at end of stream), or -1 with errno.</summary>
    public unsafe int Receive(Span<byte> buffer, out int errno, bool peek = false)
    {
        int flags = UnixSocketCalls.MSG_DONTWAIT | (peek ? UnixSocketCalls.MSG_PEEK : 0);
        fixed (byte* pointer = buffer)
        {
            while (true)
            {
                nint n = UnixSocketCalls.Recv(Handle.Fd, pointer, (nuint)buffer.Length, flags);
                if (n >= 0)
                {
                    errno = 0;
                    return (int)n;
                }
                errno = Errno.Last;
                if (errno != Libc.EINTR)
                {
                    return -1;
                }
            }
        }
    }

    /// <summary>Writes what the socket takes of <paramref name="data"/>: the byte count, or -1 with errno.</summary>
    public unsafe int Send(ReadOnlySpan<byte> data, out int errno)
    {
        fixed (byte* pointer = data)
        {
            while (true)
            {
                nint n = UnixSocketCalls.Send(Handle.Fd, pointer, (nuint)data.Length, UnixSocketCalls.MSG_DONTWAIT | UnixSocketCalls.MSG_NOSIGNAL);
                if (n >= 0)
                {
                    errno = 0;
                    return (int)n;
                }
                errno = Errno.Last;
                if (errno != Libc.EINTR)
                {
                    return -1;
                }
            }
        }
    }

    /// <summary>shutdown(SHUT_WR): the peer reads end of stream once what was written is read. Failure (a peer that has gone) is ignored.</summary>
    public void ShutdownWrite() => _ = UnixSocketCalls.Shutdown(Handle.Fd, UnixSocketCalls.SHUT_WR);

    /// <summary>Whether a -1 result means "try again when ready" (EAGAIN/EWOULDBLOCK).</summary>
    public static bool WouldBlock(int errno) => errno == Libc.EAGAIN;

    /// <summary>A readable name for an errno, for log lines.</summary>
    public static string Describe(int errno) => $"{Errno.Describe(errno)} (errno {errno})";

    public void Dispose() => Handle.Dispose();

    private static UnixStreamSocket Create() =>
        new(new FileDescriptorHandle(Errno.Check(UnixSocketCalls.Socket(UnixSocketCalls.AF_UNIX, SocketType, 0), "socket", "AF_UNIX stream")));
}
