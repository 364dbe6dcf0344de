using System.Buffers.Binary;

namespace Kata.Hypervisor.Boot;

/// <summary>An ELF64 program header (System V gABI, "Program Header"), 56 bytes in the file.</summary>
internal readonly record struct Elf64ProgramHeader(
    uint Type, ulong Offset, ulong VirtualAddress, ulong PhysicalAddress, ulong FileSize, ulong MemorySize, ulong Align)
{
    public const int Size = 56;
    public const uint TypeLoad = 1;
    public const uint TypeNote = 4;

    public static Elf64ProgramHeader Parse(ReadOnlySpan<byte> entry) => new(
        Type: BinaryPrimitives.ReadUInt32LittleEndian(entry),
        Offset: BinaryPrimitives.ReadUInt64LittleEndian(entry[0x08..]),
        VirtualAddress: BinaryPrimitives.ReadUInt64LittleEndian(entry[0x10..]),
        PhysicalAddress: BinaryPrimitives.ReadUInt64LittleEndian(entry[0x18..]),
        FileSize: BinaryPrimitives.ReadUInt64LittleEndian(entry[0x20..]),
        MemorySize: BinaryPrimitives.ReadUInt64LittleEndian(entry[0x28..]),
        Align: BinaryPrimitives.ReadUInt64LittleEndian(entry[0x30..]));

    /// <summary>True if <paramref name="address"/> lies in [PhysicalAddress, PhysicalAddress + MemorySize).</summary>
    public bool ContainsPhysical(ulong address) =>
        address >= PhysicalAddress && address - PhysicalAddress < MemorySize;

    /// <summary>True if <paramref name="address"/> lies in [VirtualAddress, VirtualAddress + MemorySize).</summary>
    public bool ContainsVirtual(ulong address) =>
        address >= VirtualAddress && address - VirtualAddress < MemorySize;
}
