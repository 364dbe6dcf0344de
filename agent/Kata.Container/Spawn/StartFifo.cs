using Kata.Container.Interop;

namespace Kata.Container.Spawn;

/// <summary>
/// The start signal through a FIFO in the container's state directory, like runc's exec.fifo, so <c>start</c> can come
/// from any process (the agent, or a separate CLI invocation). The init opens it for reading, non-blocking, before the
/// root switch and waits in poll(2); <c>start</c> opens it for writing (ENXIO when no init waits) and writes one byte.
/// Linux does not report POLLHUP to a reader that has never seen a writer, so the wait sleeps until start.
/// </summary>
internal static unsafe class StartFifo
{
    public const string FileName = "exec.fifo";

    public static void Create(string path) =>
        Errno.Check(Libc.MkFifo(path, 0x180 /* 0600 */), "mkfifo", path);

    public static FileDescriptor OpenForWait(string path) =>
        new(Errno.Check(Libc.Open(path, LinuxConstants.O_RDONLY | LinuxConstants.O_NONBLOCK | LinuxConstants.O_CLOEXEC, 0), "open", path));

    /// <summary>Blocks until start writes its byte.</summary>
    public static void Wait(FileDescriptor fifo)
    {
        var poll = new PollFd { Fd = fifo.Fd, Events = LinuxConstants.POLLIN };
        while (true)
        {
            var ready = Libc.Poll(&poll, 1, -1);
            if (ready < 0)
            {
                if (Errno.Last == Errno.EINTR)
                {
                    continue;
                }
                throw new SyscallException("poll", Errno.Last, "exec fifo");
            }
            byte signal;
            var read = Libc.Read(fifo.Fd, &signal, 1);
            if (read == 1)
            {
                return;
            }
            if (read < 0 && Errno.Last is Errno.EAGAIN or Errno.EINTR)
            {
                continue;
            }
            throw new ContainerException("the exec fifo was closed without a start signal");
        }
    }

    /// <summary>Releases a waiting init. Fails with ENXIO when no init is waiting on the FIFO.</summary>
    public static void Signal(string path)
    {
        using var fifo = new FileDescriptor(Errno.Check(
            Libc.Open(path, LinuxConstants.O_WRONLY | LinuxConstants.O_NONBLOCK | LinuxConstants.O_CLOEXEC, 0), "open", path));
        byte signal = 0;
        Errno.Check((int)Libc.Write(fifo.Fd, &signal, 1), "write", path);
    }
}
