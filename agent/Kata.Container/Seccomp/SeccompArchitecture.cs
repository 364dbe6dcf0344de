using System.Collections.Frozen;
using Kata.Container.Seccomp.Tables;

namespace Kata.Container.Seccomp;

/// <summary>One syscall ABI section of the filter: its seccomp_data.arch value and its syscall numbers.</summary>
internal sealed record SeccompArchitecture(string Name, uint AuditArch, FrozenDictionary<string, int> Syscalls, bool ArgumentsAre32Bit)
{
    public static SeccompArchitecture X86_64 { get; } = new("SCMP_ARCH_X86_64", Seccomp.AuditArch.X86_64, SyscallTables.X86_64, false);

    /// <summary>x32 shares AUDIT_ARCH_X86_64; its numbers carry __X32_SYSCALL_BIT. Its registers are 64-bit.</summary>
    public static SeccompArchitecture X32 { get; } = new("SCMP_ARCH_X32", Seccomp.AuditArch.X86_64, SyscallTables.X32, false);

    /// <summary>i386 passes 32-bit arguments, zero-extended into seccomp_data.args.</summary>
    public static SeccompArchitecture I386 { get; } = new("SCMP_ARCH_X86", Seccomp.AuditArch.I386, SyscallTables.I386, true);
}
