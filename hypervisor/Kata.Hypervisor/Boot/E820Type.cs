namespace Kata.Hypervisor.Boot;

/// <summary>
/// E820 memory types (arch/x86/include/asm/e820/types.h). The PVH memory map uses the same numbers
/// (XEN_HVM_MEMMAP_TYPE_* in xen/include/public/arch-x86/hvm/start_info.h).
/// </summary>
public enum E820Type : uint
{
    Ram = 1,
    Reserved = 2,
    Acpi = 3,
    Nvs = 4,
    Unusable = 5,
}
