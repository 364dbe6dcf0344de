using System.Runtime.InteropServices;
using Kata.Container.Interop;
using Kata.Container.Spawn;
using Kata.Oci.Spec;

namespace Kata.Container.ProcessSetup;

/// <summary>
/// The last steps before the user's program replaces the stage: no_new_privs, umask, signal dispositions the runtime
/// set (SIG_IGN survives execve, so SIGPIPE would stay ignored), the signal mask, the seccomp hook, then execve(2).
/// </summary>
internal static unsafe class ProcessExecutor
{
    private const int SignalCount = 64;
    private const int SigactionBytes = 256;
    private const uint DefaultUmask = 0x12; // 0022

    /// <summary>Replaces the process image; returns only by throwing.</summary>
    public static void Exec(ProcessSpec process, string executable, Action? beforeExec)
    {
        if (process.NoNewPrivileges)
        {
            Errno.Check(Libc.Prctl(LinuxConstants.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");
        }
        Libc.Umask(process.User.Umask ?? DefaultUmask);

        using var arguments = new NativeStringArray(process.Args!);
        using var environment = new NativeStringArray(process.Env ?? []);
        var path = NativeStringArray.AllocateUtf8(executable);
        try
        {
            // Only stdio crosses into the container: every other descriptor the stage holds closes at execve.
            Errno.Check(Libc.CloseRangeOnExec(3, uint.MaxValue), "close_range(CLOSE_RANGE_CLOEXEC)");
            ResetIgnoredSignals();
            beforeExec?.Invoke();
            var emptySet = stackalloc byte[128];
            Libc.Sigemptyset(emptySet);
            Libc.Sigprocmask(LinuxConstants.SIG_SETMASK, emptySet, null);
            Libc.Execve(path, arguments.Pointer, environment.Pointer);
            throw new SyscallException("execve", Errno.Last, executable);
        }
        finally
        {
            NativeMemory.Free(path);
        }
    }

    private static void ResetIgnoredSignals()
    {
        var old = stackalloc byte[SigactionBytes];
        for (var signal = 1; signal <= SignalCount; signal++)
        {
            if (signal is LinuxConstants.SIGKILL or 19 /* SIGSTOP */)
            {
                continue;
            }
            if (Libc.Sigaction(signal, null, old) == 0 && *(nint*)old == LinuxConstants.SIG_IGN)
            {
                Libc.Signal(signal, LinuxConstants.SIG_DFL);
            }
        }
    }
}
