using Kata.Container.Interop;

namespace Kata.Container.Lifecycle;

/// <summary>
/// A process the engine spawned (a container init or an exec'd process): it is our child, so we reap it. A pidfd taken
/// right after the spawn (the pid cannot be reused before we reap it) makes signals race-free. A waiter thread reaps
/// at once, which matters: an un-reaped child in a pid namespace keeps that namespace's init from finishing its exit.
/// </summary>
internal sealed unsafe class ChildProcess : IDisposable
{
    private const int SiginfoBytes = 128;
    private const int CLD_EXITED = 1;
    private const int CLD_KILLED = 2;
    private const int CLD_DUMPED = 3;

    private readonly FileDescriptor _pidfd;
    private readonly Task<int> _exit;

    public ChildProcess(int pid)
    {
        Pid = pid;
        EngineChildren.Add(pid);
        _pidfd = new FileDescriptor(Errno.Check(Libc.PidfdOpen(pid), "pidfd_open", $"pid {pid}"));
        _exit = Task.Factory.StartNew(Reap, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The pid in the engine's pid namespace.</summary>
    public int Pid { get; }

    public bool HasExited => _exit.IsCompleted;

    /// <summary>The exit status: the exit code, or 128 + the signal number for a process killed by a signal.</summary>
    public Task<int> Exit => _exit;

    /// <summary>Sends <paramref name="signal"/>; false when the process has already exited.</summary>
    public bool Signal(int signal)
    {
        if (_exit.IsCompleted)
        {
            return false;
        }
        if (Libc.PidfdSendSignal(_pidfd.Fd, signal) < 0)
        {
            if (Errno.Last == Errno.ESRCH)
            {
                return false;
            }
            throw new SyscallException("pidfd_send_signal", Errno.Last, $"pid {Pid}, signal {signal}");
        }
        return true;
    }

    private int Reap()
    {
        try
        {
            return WaitForExit();
        }
        finally
        {
            EngineChildren.Remove(Pid);
        }
    }

    private int WaitForExit()
    {
        var info = stackalloc byte[SiginfoBytes];
        while (true)
        {
            new Span<byte>(info, SiginfoBytes).Clear();
            if (Libc.Waitid(LinuxConstants.P_PIDFD, (uint)_pidfd.Fd, info, LinuxConstants.WEXITED) == 0)
            {
                // siginfo_t for SIGCHLD: si_code at offset 8, si_status at offset 24 (asm-generic/siginfo.h, x86_64).
                var code = *(int*)(info + 8);
                var status = *(int*)(info + 24);
                return code switch
                {
                    CLD_EXITED => status,
                    CLD_KILLED or CLD_DUMPED => 128 + status,
                    _ => throw new InvalidOperationException($"waitid for pid {Pid} returned si_code {code}"),
                };
            }
            if (Errno.Last != Errno.EINTR)
            {
                throw new SyscallException("waitid", Errno.Last, $"pid {Pid}");
            }
        }
    }

    public void Dispose()
    {
        if (_exit.IsCompleted)
        {
            _pidfd.Dispose();
        }
    }
}
