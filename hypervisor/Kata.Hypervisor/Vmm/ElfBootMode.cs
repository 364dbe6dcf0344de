namespace Kata.Hypervisor.Vmm;

/// <summary>How an ELF vmlinux is entered.</summary>
public enum ElfBootMode
{
    /// <summary>32-bit protected mode at the XEN_ELFNOTE_PHYS32_ENTRY address, with hvm_start_info in %ebx.</summary>
    Pvh,
    /// <summary>64-bit long mode at the ELF entry point (startup_64), with boot_params in %rsi.</summary>
    Linux64,
}
