using System.Buffers.Binary;
using System.Text;

namespace Kata.GuestImage.Tests.Infrastructure;

/// <summary>
/// The program interpreter (PT_INTERP) and the DT_NEEDED entries of an ELF64 little-endian file, read straight from
/// its program headers and dynamic section (System V gABI, "Program Header", "Dynamic Section") — independent of the
/// ldd the image build uses, so the test checks the build rather than repeating it.
/// </summary>
public sealed record ElfDependencies(string? Interpreter, IReadOnlyList<string> Needed)
{
    private const uint PtLoad = 1, PtDynamic = 2, PtInterp = 3;
    private const long DtNull = 0, DtNeeded = 1, DtStrtab = 5;

    public static ElfDependencies Read(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F')
        {
            throw new InvalidDataException("not an ELF file");
        }
        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not an ELF64 little-endian file");
        }
        ReadOnlySpan<byte> bytes = elf;
        long phoff = BinaryPrimitives.ReadInt64LittleEndian(bytes[0x20..]);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(bytes[0x36..]);
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(bytes[0x38..]);
        var loads = new List<(long VAddr, long Offset, long FileSize)>();
        string? interpreter = null;
        (long Offset, long Size)? dynamic = null;
        for (int i = 0; i < phnum; i++)
        {
            ReadOnlySpan<byte> ph = bytes.Slice((int)(phoff + (long)i * phentsize), phentsize);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(ph);
            long offset = BinaryPrimitives.ReadInt64LittleEndian(ph[8..]);
            long vaddr = BinaryPrimitives.ReadInt64LittleEndian(ph[16..]);
            long fileSize = BinaryPrimitives.ReadInt64LittleEndian(ph[32..]);
            switch (type)
            {
                case PtLoad:
                    loads.Add((vaddr, offset, fileSize));
                    break;
                case PtInterp:
                    interpreter = CString(bytes, offset);
                    break;
                case PtDynamic:
                    dynamic = (offset, fileSize);
                    break;
            }
        }
        if (dynamic is null)
        {
            return new ElfDependencies(interpreter, []);
        }
        var neededOffsets = new List<long>();
        long strtabAddress = -1;
        for (long at = dynamic.Value.Offset; at + 16 <= dynamic.Value.Offset + dynamic.Value.Size; at += 16)
        {
            long tag = BinaryPrimitives.ReadInt64LittleEndian(bytes[(int)at..]);
            long value = BinaryPrimitives.ReadInt64LittleEndian(bytes[(int)(at + 8)..]);
            if (tag == DtNull)
            {
                break;
            }
            if (tag == DtNeeded)
            {
                neededOffsets.Add(value);
            }
            else if (tag == DtStrtab)
            {
                strtabAddress = value;
            }
        }
        if (strtabAddress < 0)
        {
            throw new InvalidDataException("dynamic section without DT_STRTAB");
        }
        // DT_STRTAB is a virtual address: map it to a file offset through the PT_LOAD segment that holds it.
        var segment = loads.FirstOrDefault(l => strtabAddress >= l.VAddr && strtabAddress < l.VAddr + l.FileSize);
        if (segment == default)
        {
            throw new InvalidDataException($"DT_STRTAB 0x{strtabAddress:x} is in no PT_LOAD segment");
        }
        long strtab = strtabAddress - segment.VAddr + segment.Offset;
        var needed = new List<string>(neededOffsets.Count);
        foreach (long nameOffset in neededOffsets)
        {
            needed.Add(CString(bytes, strtab + nameOffset));
        }
        return new ElfDependencies(interpreter, needed);
    }

    private static string CString(ReadOnlySpan<byte> bytes, long offset)
    {
        ReadOnlySpan<byte> rest = bytes[(int)offset..];
        int end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }
}
