using System.Buffers.Binary;

namespace Kata.Hypervisor.Boot;

/// <summary>The fields of an ELF64 file header (System V gABI, "ELF Header") that a kernel loader needs.</summary>
internal readonly record struct Elf64Header(
    ushort Type, ushort Machine, ulong Entry, ulong ProgramHeaderOffset, ushort ProgramHeaderEntrySize,
    ushort ProgramHeaderCount)
{
    public const int Size = 64;
    public const byte ClassElf32 = 1;
    public const byte ClassElf64 = 2;
    public const byte DataLittleEndian = 1;
    public const ushort TypeExecutable = 2;
    public const ushort TypeSharedObject = 3;
    public const ushort MachineX86_64 = 62;
    /// <summary>PN_XNUM: the real program header count is in section header 0 (never the case for a kernel).</summary>
    public const ushort ExtendedNumbering = 0xffff;

    /// <summary>e_ident[EI_MAG0..3] = "\x7fELF".</summary>
    public static bool HasMagic(ReadOnlySpan<byte> file) =>
        file.Length >= 4 && file[0] == 0x7f && file[1] == (byte)'E' && file[2] == (byte)'L' && file[3] == (byte)'F';

    /// <summary>Decodes the little-endian ELF64 header; the caller has checked the length, class and data encoding.</summary>
    public static Elf64Header Parse(ReadOnlySpan<byte> header) => new(
        Type: BinaryPrimitives.ReadUInt16LittleEndian(header[0x10..]),
        Machine: BinaryPrimitives.ReadUInt16LittleEndian(header[0x12..]),
        Entry: BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]),
        ProgramHeaderOffset: BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]),
        ProgramHeaderEntrySize: BinaryPrimitives.ReadUInt16LittleEndian(header[0x36..]),
        ProgramHeaderCount: BinaryPrimitives.ReadUInt16LittleEndian(header[0x38..]));

    /// <summary>A name for e_machine in error messages.</summary>
    public static string MachineName(ushort machine) => machine switch
    {
        3 => "EM_386, 32-bit x86",
        40 => "EM_ARM",
        62 => "EM_X86_64",
        183 => "EM_AARCH64",
        243 => "EM_RISCV",
        _ => $"e_machine {machine}",
    };
}
