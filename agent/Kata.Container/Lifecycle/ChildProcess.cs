using Kata.Container.Interop;

namespace Kata.Container.Lifecycle;

/// <summary>
/// A process the engine spawned (a container init or an exec'd process): it is our child, so we reap it. A pidfd taken
/// right after the spawn (the pid cannot be reused before we reap it) makes signals race-free. A waiter thread reaps
/// at once, which matters: an un-reaped child in a pid namespace keeps that namespace's init from finishing its exit.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
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

    private int WaitForExit() => PidfdWait.WaitForExit(_pidfd, $"pid {Pid}").ToStatusCode();

    public void Dispose()
    {
        if (_exit.IsCompleted)
        {
            _pidfd.Dispose();
        }
    }
}
