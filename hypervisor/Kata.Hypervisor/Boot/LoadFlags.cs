namespace Kata.Hypervisor.Boot;

/// <summary>setup_header.loadflags (boot.rst, "loadflags", offset 0x211).</summary>
[Flags]
public enum LoadFlags : byte
{
    None = 0,
    /// <summary>Bit 0 (read): the protected-mode code is loaded at 0x100000.</summary>
    LoadedHigh = 0x01,
    /// <summary>Bit 1 (kernel internal): KASLR was enabled by the decompressor.</summary>
    KaslrFlag = 0x02,
    /// <summary>Bit 5 (write): suppress early messages.</summary>
    QuietFlag = 0x20,
    /// <summary>Bit 6 (obsolete): do not reload the segment registers in the 32-bit entry point.</summary>
    KeepSegments = 0x40,
    /// <summary>Bit 7 (write): heap_end_ptr is valid.</summary>
    CanUseHeap = 0x80,
}
