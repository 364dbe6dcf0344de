using System.Runtime.CompilerServices;

namespace Kata.Hypervisor.Boot;

/// <summary>boot_params.e820_table[E820_MAX_ENTRIES_ZEROPAGE] (zero-page.rst: 0x2d0, 20 * 128 bytes).</summary>
[InlineArray(MaxEntries)]
public struct BootE820Table
{
    /// <summary>E820_MAX_ENTRIES_ZEROPAGE.</summary>
    public const int MaxEntries = 128;

    private BootE820Entry _first;
}
