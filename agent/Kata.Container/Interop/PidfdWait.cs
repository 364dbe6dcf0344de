namespace Kata.Container.Interop;

/// <summary>Reaping a child through its pidfd (waitid(2) with P_PIDFD, Linux 5.4+): race-free, no pid reuse.</summary>
internal static unsafe class PidfdWait
{
    private const int SiginfoBytes = 128;
    private const int CLD_EXITED = 1;
    private const int CLD_KILLED = 2;
    private const int CLD_DUMPED = 3;

    /// <summary>Blocks until the child behind <paramref name="pidfd"/> exits and reaps it.</summary>
    public static ProcessExitStatus WaitForExit(FileDescriptor pidfd, string description)
    {
        var info = stackalloc byte[SiginfoBytes];
        while (true)
        {
            new Span<byte>(info, SiginfoBytes).Clear();
            if (Libc.Waitid(LinuxConstants.P_PIDFD, (uint)pidfd.Fd, info, LinuxConstants.WEXITED) == 0)
            {
                // siginfo_t for SIGCHLD: si_code at offset 8, si_status at offset 24 (asm-generic/siginfo.h, x86_64).
                var code = *(int*)(info + 8);
                var status = *(int*)(info + 24);
                return code switch
                {
                    CLD_EXITED => new ProcessExitStatus(false, status),
                    CLD_KILLED or CLD_DUMPED => new ProcessExitStatus(true, status),
                    _ => throw new InvalidOperationException($"waitid for {description} returned si_code {code}"),
                };
            }
            if (Errno.Last != Errno.EINTR)
            {
                throw new SyscallException("waitid", Errno.Last, description);
            }
        }
    }

    /// <summary>Waits until the child behind <paramref name="pidfd"/> has exited (pidfd readable, poll(2)), without
    /// reaping it. False when <paramref name="timeoutMilliseconds"/> (-1: none) passed first.</summary>
    public static bool WaitExited(FileDescriptor pidfd, int timeoutMilliseconds, string description)
    {
        var deadline = timeoutMilliseconds < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMilliseconds;
        var poll = new PollFd { Fd = pidfd.Fd, Events = LinuxConstants.POLLIN };
        while (true)
        {
            var remaining = timeoutMilliseconds < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
            var ready = Libc.Poll(&poll, 1, remaining);
            if (ready > 0)
            {
                return true;
            }
            if (ready == 0)
            {
                return false;
            }
            if (Errno.Last != Errno.EINTR)
            {
                throw new SyscallException("poll", Errno.Last, description);
            }
        }
    }
}
