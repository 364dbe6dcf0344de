namespace Kata.Hypervisor.Boot;

/// <summary>One range of the guest's physical memory map, as the kernel sees it through e820 or the PVH memmap.</summary>
public readonly record struct E820Entry(ulong Address, ulong Size, E820Type Type)
{
    public ulong End => Address + Size;

    public override string ToString() => $"[0x{Address:x}, 0x{End:x}) {Type}";
}
