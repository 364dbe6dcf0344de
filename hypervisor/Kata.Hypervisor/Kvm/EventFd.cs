using Kata.Hypervisor.Interop;

namespace Kata.Hypervisor.Kvm;

/// <summary>A Linux eventfd (non-blocking, close-on-exec): the doorbell for ioeventfd and irqfd.</summary>
public sealed class EventFd : IDisposable
{
    public EventFd()
    {
        Handle = new FileDescriptorHandle(Errno.Check(Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK), "eventfd"));
    }

    public FileDescriptorHandle Handle { get; }

    public unsafe void Signal(ulong value = 1)
    {
        Errno.Check(Libc.Write(Handle.Fd, &value, 8), "write", "eventfd");
    }

    /// <summary>Reads and clears the counter; 0 when it was not signalled.</summary>
    public unsafe ulong Consume()
    {
        ulong value;
        nint n = Libc.Read(Handle.Fd, &value, 8);
        if (n < 0)
        {
            int errno = Errno.Last;
            if (errno == Libc.EAGAIN)
            {
                return 0;
            }
            throw new SystemCallException("read", errno, "eventfd");
        }
        return value;
    }

    public void Dispose() => Handle.Dispose();
}
