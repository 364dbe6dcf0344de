namespace Kata.Container.Seccomp;

/// <summary>The AUDIT_ARCH_* values the kernel puts in seccomp_data.arch (linux/audit.h).</summary>
public static class AuditArch
{
    /// <summary>EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE; x32 calls share it.</summary>
    public const uint X86_64 = 0xC000003E;

    /// <summary>EM_386 | __AUDIT_ARCH_LE.</summary>
    public const uint I386 = 0x40000003;

    /// <summary>EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE (only used by tests as a foreign architecture).</summary>
    public const uint Aarch64 = 0xC00000B7;

    /// <summary>__X32_SYSCALL_BIT: x32 syscall numbers have it set (arch/x86/include/uapi/asm/unistd.h).</summary>
    public const uint X32SyscallBit = 0x40000000;
}
