namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>Control register and EFER bits (Intel SDM Vol. 3A §2.5 "Control Registers", §2.2.1 "Extended Feature Enable Register").</summary>
public static class ControlRegisters
{
    /// <summary>CR0.PE: protected mode.</summary>
    public const ulong Cr0Pe = 1UL << 0;
    /// <summary>CR0.ET: extension type, hard-wired to 1 on every processor since the i486.</summary>
    public const ulong Cr0Et = 1UL << 4;
    /// <summary>CR0.NW: not write-through.</summary>
    public const ulong Cr0Nw = 1UL << 29;
    /// <summary>CR0.CD: cache disable.</summary>
    public const ulong Cr0Cd = 1UL << 30;
    /// <summary>CR0.PG: paging.</summary>
    public const ulong Cr0Pg = 1UL << 31;

    /// <summary>CR4.PAE: physical address extension, required for IA-32e paging.</summary>
    public const ulong Cr4Pae = 1UL << 5;

    /// <summary>EFER.SCE: SYSCALL enable.</summary>
    public const ulong EferSce = 1UL << 0;
    /// <summary>EFER.LME: IA-32e mode enable.</summary>
    public const ulong EferLme = 1UL << 8;
    /// <summary>EFER.LMA: IA-32e mode active.</summary>
    public const ulong EferLma = 1UL << 10;
    /// <summary>EFER.NXE: execute-disable enable.</summary>
    public const ulong EferNxe = 1UL << 11;

    /// <summary>RFLAGS bit 1 is reserved and always reads as 1 (SDM Vol. 1 §3.4.3).</summary>
    public const ulong RflagsReserved = 1UL << 1;
}
