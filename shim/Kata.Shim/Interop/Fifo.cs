using Microsoft.Win32.SafeHandles;

namespace Kata.Shim.Interop;

/// <summary>
/// Opening containerd's stdio FIFOs the way its runc shim does (fifo.OpenFifo): a FIFO's open(2) blocks until the
/// other end is open too (fifo(7)), so stdin is opened non-blocking and read when poll(2) says so, and stdout/stderr
/// (write side) are opened blocking on a thread-pool thread.
/// </summary>
public static class Fifo
{
    /// <summary>
    /// Reads a FIFO opened O_NONBLOCK: waits with poll(2) until data or the writer's close arrives. Linux reports no
    /// hang-up on a FIFO that never had a writer (pipe_poll compares the writer counter), so this neither ends early
    /// before containerd opens its side nor misses a writer that wrote and closed before we looked — which a blocking
    /// re-open would. Returns the byte count, 0 at EOF, or -1 when <paramref name="cancel"/> fired.
    /// </summary>
    public static unsafe int ReadWhenReady(SafeFileHandle handle, Span<byte> buffer, CancellationToken cancel)
    {
        int fd = (int)handle.DangerousGetHandle();
        while (!cancel.IsCancellationRequested)
        {
            var poll = new PollFd { Fd = fd, Events = PollFd.POLLIN };
            // A bounded wait, so cancellation is noticed.
            if (Libc.Poll(&poll, 1, 200) < 0)
            {
                var error = ErrnoException.FromLastError("poll", "stdin FIFO");
                if (error.Errno == Libc.EINTR)
                {
                    continue;
                }
                throw error;
            }
            if (poll.Revents == 0)
            {
                continue;
            }
            fixed (byte* data = buffer)
            {
                nint read = Libc.Read(fd, data, (nuint)buffer.Length);
                if (read >= 0)
                {
                    return (int)read;
                }
                var error = ErrnoException.FromLastError("read", "stdin FIFO");
                if (error.Errno is not (Libc.EAGAIN or Libc.EINTR))
                {
                    throw error;
                }
            }
        }
        return -1;
    }

    /// <summary>Opens <paramref name="path"/> write-only (blocks, off the caller's thread, until a reader is there).</summary>
    public static async Task<SafeFileHandle> OpenForWritingAsync(string path, CancellationToken cancel)
    {
        // As above: on cancellation, a short-lived reader lets the blocking open return.
        using CancellationTokenRegistration unblock = cancel.Register(() =>
        {
            int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
            if (fd >= 0)
            {
                Libc.Close(fd);
            }
        });
        SafeFileHandle handle = await Task.Run(() => OpenHandle(path, Libc.O_WRONLY | Libc.O_CLOEXEC), CancellationToken.None);
        if (cancel.IsCancellationRequested)
        {
            handle.Dispose();
            cancel.ThrowIfCancellationRequested();
        }
        return handle;
    }

    /// <summary>
    /// Opens a FIFO for writing only if a reader is there now (O_NONBLOCK fails with ENXIO otherwise), then switches the
    /// descriptor back to blocking writes. Null when nobody reads (the shim's `log` FIFO outside containerd).
    /// </summary>
    public static SafeFileHandle? TryOpenForWritingNow(string path)
    {
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return null;
        }
        int flags = Libc.Fcntl(fd, Libc.F_GETFL, 0);
        if (flags >= 0)
        {
            Libc.Fcntl(fd, Libc.F_SETFL, flags & ~Libc.O_NONBLOCK);
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    public static SafeFileHandle OpenHandle(string path, int flags, int mode = 0)
    {
        while (true)
        {
            int fd = Libc.Open(path, flags, mode);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }
            var error = ErrnoException.FromLastError("open", path);
            if (error.Errno != Libc.EINTR)
            {
                throw error;
            }
        }
    }
}
