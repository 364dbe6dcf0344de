namespace Kata.Hypervisor.Boot;

/// <summary>How the boot vCPU enters the kernel.</summary>
public enum BootProtocol
{
    /// <summary>
    /// PVH (xen/include/public/arch-x86/hvm/start_info.h, Linux arch/x86/platform/pvh): 32-bit protected mode,
    /// paging off, at the XEN_ELFNOTE_PHYS32_ENTRY address, %ebx = guest address of struct hvm_start_info.
    /// </summary>
    Pvh,
    /// <summary>
    /// Linux 64-bit boot protocol (Documentation/arch/x86/boot.rst): long mode with an identity map, at the
    /// 64-bit entry point, %rsi = guest address of struct boot_params (the zero page).
    /// </summary>
    Linux64,
}
