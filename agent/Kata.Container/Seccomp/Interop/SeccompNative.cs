using System.Runtime.InteropServices;

namespace Kata.Container.Seccomp.Interop;

/// <summary>seccomp(2) through syscall(2): glibc has no wrapper for it.</summary>
internal static unsafe partial class SeccompNative
{
    /// <summary>__NR_seccomp on x86_64 (arch/x86/entry/syscalls/syscall_64.tbl).</summary>
    public const long SysSeccomp = 317;

    public const uint SeccompSetModeFilter = 1;

    /// <summary>prctl(2) PR_SET_NO_NEW_PRIVS and PR_GET_SECCOMP.</summary>
    public const int PrSetNoNewPrivs = 38;
    public const int PrGetSeccomp = 21;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, ulong operation, ulong flags, void* argument);

    public static int SetModeFilter(uint flags, SockFprog* program) =>
        (int)Syscall(SysSeccomp, SeccompSetModeFilter, flags, program);
}
