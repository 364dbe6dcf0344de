using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Interop;

// Kernel structures from linux/kvm.h and arch/x86/include/uapi/asm/kvm.h, blittable and laid out as on x86_64.
// The sizes are asserted in the tests (KvmStructLayoutTests) against the numbers encoded in the ioctls.

/// <summary>struct kvm_regs (144 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmRegs
{
    public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp;
    public ulong R8, R9, R10, R11, R12, R13, R14, R15;
    public ulong Rip, Rflags;
}

/// <summary>struct kvm_segment (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmSegment
{
    public ulong Base;
    public uint Limit;
    public ushort Selector;
    public byte Type;
    public byte Present, Dpl, Db, S, L, G, Avl;
    public byte Unusable;
    public byte Padding;
}

/// <summary>struct kvm_dtable (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmDtable
{
    public ulong Base;
    public ushort Limit;
    public ushort Padding0, Padding1, Padding2;
}

/// <summary>struct kvm_sregs (312 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct KvmSregs
{
    public KvmSegment Cs, Ds, Es, Fs, Gs, Ss;
    public KvmSegment Tr, Ldt;
    public KvmDtable Gdt, Idt;
    public ulong Cr0, Cr2, Cr3, Cr4, Cr8;
    public ulong Efer;
    public ulong ApicBase;
    public fixed ulong InterruptBitmap[4];
}

/// <summary>struct kvm_fpu (416 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct KvmFpu
{
    public fixed byte Fpr[128];
    public ushort Fcw;
    public ushort Fsw;
    public byte Ftwx;
    public byte Pad1;
    public ushort LastOpcode;
    public ulong LastIp;
    public ulong LastDp;
    public fixed byte Xmm[256];
    public uint Mxcsr;
    public uint Pad2;
}

/// <summary>struct kvm_msr_entry (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmMsrEntry
{
    public uint Index;
    public uint Reserved;
    public ulong Data;
}

/// <summary>struct kvm_cpuid_entry2 (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmCpuidEntry2
{
    public uint Function;
    public uint Index;
    public uint Flags;
    public uint Eax, Ebx, Ecx, Edx;
    public uint Padding0, Padding1, Padding2;

    /// <summary>KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the entry applies only to this <see cref="Index"/>.</summary>
    public const uint FlagSignificantIndex = 1;
}

/// <summary>struct kvm_lapic_state (1024 bytes of APIC registers).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct KvmLapicState
{
    public fixed byte Regs[1024];
}

/// <summary>struct kvm_userspace_memory_region (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmUserspaceMemoryRegion
{
    public uint Slot;
    public uint Flags;
    public ulong GuestPhysAddr;
    public ulong MemorySize;
    public ulong UserspaceAddr;
}

/// <summary>struct kvm_pit_config (64 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct KvmPitConfig
{
    public uint Flags;
    public fixed uint Pad[15];

    /// <summary>KVM_PIT_SPEAKER_DUMMY: emulate the speaker port 0x61 in the kernel.</summary>
    public const uint SpeakerDummy = 1;
}

/// <summary>struct kvm_irq_level (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmIrqLevel
{
    public uint Irq;
    public uint Level;
}

/// <summary>struct kvm_irqfd (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct KvmIrqfd
{
    public uint Fd;
    public uint Gsi;
    public uint Flags;
    public uint ResampleFd;
    public fixed byte Pad[16];

    public const uint FlagDeassign = 1;
}

/// <summary>struct kvm_ioeventfd (64 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct KvmIoeventfd
{
    public ulong Datamatch;
    public ulong Addr;
    public uint Len;
    public int Fd;
    public uint Flags;
    public fixed byte Pad[36];

    public const uint FlagDatamatch = 1 << 0;
    public const uint FlagPio = 1 << 1;
    public const uint FlagDeassign = 1 << 2;
}

/// <summary>
/// The fixed head of struct kvm_run (the page shared with the kernel). The exit union starts at
/// <see cref="ExitUnionOffset"/>; <see cref="Kvm.VcpuExit"/> reads it in place.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmRunHeader
{
    public byte RequestInterruptWindow;
    public byte ImmediateExit;
    public byte Padding0, Padding1, Padding2, Padding3, Padding4, Padding5;
    public uint ExitReason;
    public byte ReadyForInterruptInjection;
    public byte IfFlag;
    public ushort Flags;
    public ulong Cr8;
    public ulong ApicBase;

    public const int ExitUnionOffset = 32;
}
