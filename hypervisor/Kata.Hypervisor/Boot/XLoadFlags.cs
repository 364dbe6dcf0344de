namespace Kata.Hypervisor.Boot;

/// <summary>setup_header.xloadflags (boot.rst, "xloadflags", offset 0x236, protocol 2.12+).</summary>
[Flags]
public enum XLoadFlags : ushort
{
    None = 0,
    /// <summary>XLF_KERNEL_64: the kernel has the legacy 64-bit entry point at load address + 0x200.</summary>
    Kernel64 = 0x0001,
    /// <summary>XLF_CAN_BE_LOADED_ABOVE_4G: kernel, boot_params, cmdline and ramdisk may be above 4 GiB.</summary>
    CanBeLoadedAbove4G = 0x0002,
    /// <summary>XLF_EFI_HANDOVER_32.</summary>
    EfiHandover32 = 0x0004,
    /// <summary>XLF_EFI_HANDOVER_64.</summary>
    EfiHandover64 = 0x0008,
    /// <summary>XLF_EFI_KEXEC.</summary>
    EfiKexec = 0x0010,
    /// <summary>XLF_5LEVEL: the kernel supports 5-level paging.</summary>
    FiveLevel = 0x0020,
    /// <summary>XLF_5LEVEL_ENABLED: 5-level paging is enabled.</summary>
    FiveLevelEnabled = 0x0040,
}
