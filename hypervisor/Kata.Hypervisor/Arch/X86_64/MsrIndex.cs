namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// Model-specific register numbers the boot set-up touches (Intel SDM Vol. 4, "Model-Specific Registers";
/// AMD APM Vol. 2, Appendix A; Linux arch/x86/include/asm/msr-index.h).
/// </summary>
public static class MsrIndex
{
    public const uint Ia32Tsc = 0x10;
    public const uint Ia32ApicBase = 0x1b;
    public const uint Ia32SysenterCs = 0x174;
    public const uint Ia32SysenterEsp = 0x175;
    public const uint Ia32SysenterEip = 0x176;
    public const uint Ia32MiscEnable = 0x1a0;
    public const uint Ia32MtrrDefType = 0x2ff;
    public const uint Efer = 0xc000_0080;
    public const uint Star = 0xc000_0081;
    public const uint Lstar = 0xc000_0082;
    public const uint Cstar = 0xc000_0083;
    public const uint SyscallMask = 0xc000_0084;
    public const uint FsBase = 0xc000_0100;
    public const uint GsBase = 0xc000_0101;
    public const uint KernelGsBase = 0xc000_0102;

    /// <summary>
    /// The MTRR block (IA32_MTRR_PHYSBASE0 0x200 … IA32_MTRR_DEF_TYPE 0x2ff). KVM emulates these in
    /// arch/x86/kvm/mtrr.c and accepts them from KVM_SET_MSRS, but does not list them in KVM_GET_MSR_INDEX_LIST.
    /// </summary>
    public const uint MtrrFirst = 0x200, MtrrLast = 0x2ff;

    /// <summary>IA32_MISC_ENABLE bit 0: fast-string operations (REP MOVS/STOS) enabled (SDM Vol. 4, Table 2-2).</summary>
    public const ulong MiscEnableFastString = 1UL << 0;

    /// <summary>IA32_MTRR_DEF_TYPE bit 11 (E): MTRRs enabled (SDM Vol. 3A §12.11.2.1).</summary>
    public const ulong MtrrDefTypeEnable = 1UL << 11;

    /// <summary>Memory type 6, write-back, in IA32_MTRR_DEF_TYPE[7:0] (SDM Vol. 3A Table 12-8).</summary>
    public const ulong MtrrMemoryTypeWriteBack = 6;

    public static bool IsMtrr(uint index) => index is >= MtrrFirst and <= MtrrLast;
}
