using System.Buffers.Binary;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Vmm;
using Microsoft.Win32.SafeHandles;

namespace Kata.Hypervisor.Boot;

/// <summary>
/// Loads an uncompressed x86_64 ELF vmlinux: every PT_LOAD at its physical address (p_paddr), then picks the entry:
/// the PVH entry from the "Xen" XEN_ELFNOTE_PHYS32_ENTRY note (arch/x86/platform/pvh/head.S), or the ELF entry
/// point, which for x86_64 vmlinux is phys_startup_64 (arch/x86/kernel/vmlinux.lds.S: ENTRY(phys_startup_64)).
/// The file is hostile input: every offset and size is checked against the file and guest RAM before use.
/// </summary>
internal static class ElfKernelLoader
{
    /// <summary>XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h).</summary>
    public const uint XenElfNotePhys32Entry = 18;
    /// <summary>Largest PT_NOTE segment we read (the kernel's are a few hundred bytes).</summary>
    private const ulong MaxNoteSegmentBytes = 1 << 20;
    /// <summary>
    /// initrd_addr_max an x86_64 kernel announces in its setup header (arch/x86/boot/header.S); a vmlinux has no
    /// header, so the same limit is assumed.
    /// </summary>
    private const ulong X86_64InitrdAddressMax = 0x7fff_ffff;

    public static KernelImage Load(GuestMemory memory, string path, SafeFileHandle file, long fileLength,
        ReadOnlySpan<byte> prefix, ElfBootMode mode)
    {
        Elf64Header header = ParseHeader(path, fileLength, prefix);
        Elf64ProgramHeader[] programHeaders = ReadProgramHeaders(path, file, fileLength, header);

        var loads = programHeaders.Where(p => p.Type == Elf64ProgramHeader.TypeLoad && p.MemorySize > 0).ToArray();
        if (loads.Length == 0)
        {
            throw new KernelLoadException($"{path} is an ELF file without loadable segments (PT_LOAD): not a vmlinux");
        }
        foreach (Elf64ProgramHeader load in loads)
        {
            CheckSegment(memory, path, fileLength, load);
        }

        // The note is only looked at when it is to be used: a Linux64 boot does not depend on it.
        ulong? pvhEntry = mode == ElfBootMode.Pvh ? FindPvhEntry(path, file, fileLength, programHeaders) : null;
        if (pvhEntry is ulong pvh && !loads.Any(l => l.ContainsPhysical(pvh)))
        {
            throw new KernelLoadException(
                $"{path}: the PVH entry point 0x{pvh:x} (XEN_ELFNOTE_PHYS32_ENTRY) is not inside any loadable segment");
        }

        BootProtocol protocol;
        ulong entry;
        string description;
        if (mode == ElfBootMode.Pvh && pvhEntry is ulong pvhAddress)
        {
            protocol = BootProtocol.Pvh;
            entry = pvhAddress;
            description = "ELF vmlinux (PVH)";
        }
        else
        {
            // Linux64 was asked for, or PVH was asked for but the kernel was built without CONFIG_PVH: the 64-bit
            // entry works for every x86_64 vmlinux, so use it and say so rather than refuse to boot.
            protocol = BootProtocol.Linux64;
            entry = PhysicalEntry(path, header.Entry, loads);
            description = mode == ElfBootMode.Pvh
                ? "ELF vmlinux (64-bit entry: no PVH note, the kernel was built without CONFIG_PVH)"
                : "ELF vmlinux (64-bit entry)";
        }

        foreach (Elf64ProgramHeader load in loads)
        {
            var at = new GuestAddress(load.PhysicalAddress);
            GuestRam.CopyFromFile(memory, at, file, (long)load.Offset, load.FileSize, path);
            GuestRam.Zero(memory, at.Add(load.FileSize), load.MemorySize - load.FileSize);
        }

        return new KernelImage
        {
            Protocol = protocol,
            Entry = new GuestAddress(entry),
            LoadStart = new GuestAddress(loads.Min(l => l.PhysicalAddress)),
            LoadEnd = new GuestAddress(loads.Max(l => l.PhysicalAddress + l.MemorySize)),
            Description = description,
            InitrdAddressMax = X86_64InitrdAddressMax,
        };
    }

    private static Elf64Header ParseHeader(string path, long fileLength, ReadOnlySpan<byte> prefix)
    {
        // e_ident (System V gABI): EI_CLASS at 4, EI_DATA at 5.
        if (prefix.Length < 6)
        {
            throw new KernelLoadException($"{path} is a truncated ELF file ({fileLength} bytes)");
        }
        if (prefix[4] == Elf64Header.ClassElf32)
        {
            throw new KernelLoadException(
                $"{path} is a 32-bit ELF (ELFCLASS32): kata-style boots 64-bit x86_64 kernels only (build an x86_64 vmlinux)");
        }
        if (prefix[4] != Elf64Header.ClassElf64)
        {
            throw new KernelLoadException($"{path} is an ELF file of unknown class {prefix[4]}: not an x86_64 vmlinux");
        }
        if (prefix[5] != Elf64Header.DataLittleEndian)
        {
            throw new KernelLoadException($"{path} is a big-endian ELF file: not an x86_64 vmlinux");
        }
        if (fileLength < Elf64Header.Size || prefix.Length < Elf64Header.Size)
        {
            throw new KernelLoadException(
                $"{path} is a truncated ELF file: {fileLength} bytes, shorter than the {Elf64Header.Size}-byte ELF64 header");
        }
        Elf64Header header = Elf64Header.Parse(prefix[..Elf64Header.Size]);
        if (header.Machine != Elf64Header.MachineX86_64)
        {
            throw new KernelLoadException(
                $"{path} is an ELF for {Elf64Header.MachineName(header.Machine)}, not x86_64 (EM_X86_64): build the kernel for x86_64");
        }
        if (header.Type != Elf64Header.TypeExecutable && header.Type != Elf64Header.TypeSharedObject)
        {
            throw new KernelLoadException(
                $"{path} is an ELF object of type {header.Type}, not an executable (ET_EXEC): not a vmlinux");
        }
        if (header.ProgramHeaderCount == 0 || header.ProgramHeaderCount == Elf64Header.ExtendedNumbering)
        {
            throw new KernelLoadException($"{path}: ELF program header count {header.ProgramHeaderCount} is not usable");
        }
        if (header.ProgramHeaderEntrySize != Elf64ProgramHeader.Size)
        {
            throw new KernelLoadException(
                $"{path}: ELF program header size {header.ProgramHeaderEntrySize} is not the ELF64 {Elf64ProgramHeader.Size}");
        }
        return header;
    }

    private static Elf64ProgramHeader[] ReadProgramHeaders(string path, SafeFileHandle file, long fileLength,
        Elf64Header header)
    {
        ulong tableBytes = (ulong)header.ProgramHeaderCount * Elf64ProgramHeader.Size; // at most 0xfffe * 56
        if (header.ProgramHeaderOffset > (ulong)fileLength || tableBytes > (ulong)fileLength - header.ProgramHeaderOffset)
        {
            throw new KernelLoadException(
                $"{path} is a truncated ELF file: its program headers (offset 0x{header.ProgramHeaderOffset:x}, "
                + $"{tableBytes} bytes) run past the end of the {fileLength}-byte file");
        }
        var table = new byte[tableBytes];
        if (GuestRam.ReadPrefix(file, (long)header.ProgramHeaderOffset, table) != table.Length)
        {
            throw new KernelLoadException($"{path} is truncated: cannot read its ELF program headers");
        }
        var headers = new Elf64ProgramHeader[header.ProgramHeaderCount];
        for (int i = 0; i < headers.Length; i++)
        {
            headers[i] = Elf64ProgramHeader.Parse(table.AsSpan(i * Elf64ProgramHeader.Size, Elf64ProgramHeader.Size));
        }
        return headers;
    }

    private static void CheckSegment(GuestMemory memory, string path, long fileLength, Elf64ProgramHeader load)
    {
        if (load.FileSize > load.MemorySize)
        {
            throw new KernelLoadException(
                $"{path}: ELF segment at 0x{load.PhysicalAddress:x} has more file bytes ({load.FileSize}) than memory bytes ({load.MemorySize})");
        }
        if (load.Offset > (ulong)fileLength || load.FileSize > (ulong)fileLength - load.Offset)
        {
            throw new KernelLoadException(
                $"{path} is a truncated ELF file: the segment at file offset 0x{load.Offset:x} of {load.FileSize} bytes "
                + $"runs past the end of the {fileLength}-byte file");
        }
        if (load.PhysicalAddress > ulong.MaxValue - load.MemorySize)
        {
            throw new KernelLoadException(
                $"{path}: ELF segment at 0x{load.PhysicalAddress:x} of {load.MemorySize} bytes wraps the address space");
        }
        // Below 1 MiB live the VMM's boot structures (GDT, page tables, zero page, cmdline, MP table).
        if (load.PhysicalAddress < Layout.HighMemoryStart.Value)
        {
            throw new KernelLoadException(
                $"{path}: kernel segment at 0x{load.PhysicalAddress:x} is below 1 MiB ({Layout.HighMemoryStart}), "
                + "where the VMM keeps its boot structures: not a vmlinux linked for a physical load address");
        }
        if (!GuestRam.IsRam(memory, new GuestAddress(load.PhysicalAddress), load.MemorySize))
        {
            throw new KernelLoadException(
                $"{path}: kernel segment at 0x{load.PhysicalAddress:x} of {load.MemorySize} bytes does not fit in the "
                + $"guest's {memory.TotalSize >> 20} MiB of memory: give the VM more memory (--memory-mib)");
        }
    }

    /// <summary>
    /// The PVH entry from a PT_NOTE segment: an ELF note (System V gABI, "Note Section") with name "Xen" and type
    /// XEN_ELFNOTE_PHYS32_ENTRY, whose descriptor is the 32-bit physical entry address (Linux emits it as _ASM_PTR,
    /// i.e. 8 bytes on x86_64; Xen's own tools accept 4 or 8). Null if there is none.
    /// </summary>
    private static ulong? FindPvhEntry(string path, SafeFileHandle file, long fileLength,
        Elf64ProgramHeader[] programHeaders)
    {
        foreach (Elf64ProgramHeader note in programHeaders.Where(p => p.Type == Elf64ProgramHeader.TypeNote))
        {
            if (note.FileSize == 0 || note.FileSize > MaxNoteSegmentBytes
                || note.Offset > (ulong)fileLength || note.FileSize > (ulong)fileLength - note.Offset)
            {
                continue;
            }
            var bytes = new byte[note.FileSize];
            if (GuestRam.ReadPrefix(file, (long)note.Offset, bytes) != bytes.Length)
            {
                continue;
            }
            if (FindNote(bytes, note.Align == 8 ? 8 : 4, "Xen"u8, XenElfNotePhys32Entry) is not byte[] descriptor)
            {
                continue;
            }
            ulong entry = descriptor.Length switch
            {
                4 => BinaryPrimitives.ReadUInt32LittleEndian(descriptor),
                8 => BinaryPrimitives.ReadUInt64LittleEndian(descriptor),
                _ => throw new KernelLoadException(
                    $"{path}: malformed PVH note (XEN_ELFNOTE_PHYS32_ENTRY with a {descriptor.Length}-byte descriptor)"),
            };
            if (entry > uint.MaxValue)
            {
                throw new KernelLoadException(
                    $"{path}: the PVH entry point 0x{entry:x} is above 4 GiB; PVH enters in 32-bit mode");
            }
            return entry;
        }
        return null;
    }

    /// <summary>
    /// Walks the notes in <paramref name="segment"/> (each: namesz, descsz, type, then name and descriptor, each
    /// starting at an offset aligned to <paramref name="alignment"/>, the segment's p_align of 4 or 8) and returns the descriptor of the first matching one. A malformed
    /// note ends the walk.
    /// </summary>
    internal static byte[]? FindNote(ReadOnlySpan<byte> segment, int alignment, ReadOnlySpan<byte> name, uint type)
    {
        long position = 0;
        while (segment.Length - position >= 12)
        {
            ReadOnlySpan<byte> at = segment[(int)position..];
            uint nameSize = BinaryPrimitives.ReadUInt32LittleEndian(at);
            uint descriptorSize = BinaryPrimitives.ReadUInt32LittleEndian(at[4..]);
            uint noteType = BinaryPrimitives.ReadUInt32LittleEndian(at[8..]);
            long nameStart = position + 12;
            // Padding aligns offsets within the segment (with 8-byte notes the 12-byte header is not a multiple).
            long descriptorStart = AlignUp(nameStart + nameSize, alignment);
            long next = AlignUp(descriptorStart + descriptorSize, alignment);
            if (descriptorStart + descriptorSize > segment.Length)
            {
                return null;
            }
            // The name is NUL-terminated and namesz counts the NUL.
            if (noteType == type && nameSize == name.Length + 1
                && segment.Slice((int)nameStart, name.Length).SequenceEqual(name)
                && segment[(int)nameStart + name.Length] == 0)
            {
                return segment.Slice((int)descriptorStart, (int)descriptorSize).ToArray();
            }
            position = next;
        }
        return null;
    }

    private static long AlignUp(long value, int alignment) => (value + alignment - 1) & ~((long)alignment - 1);

    /// <summary>
    /// The ELF entry as a physical address. x86_64 vmlinux has ENTRY(phys_startup_64), already physical; an image
    /// linked with a virtual e_entry is translated through the PT_LOAD that contains it.
    /// </summary>
    private static ulong PhysicalEntry(string path, ulong entry, Elf64ProgramHeader[] loads)
    {
        foreach (Elf64ProgramHeader load in loads)
        {
            if (load.ContainsPhysical(entry))
            {
                return entry;
            }
        }
        foreach (Elf64ProgramHeader load in loads)
        {
            if (load.ContainsVirtual(entry))
            {
                return load.PhysicalAddress + (entry - load.VirtualAddress);
            }
        }
        throw new KernelLoadException(
            $"{path}: the ELF entry point 0x{entry:x} is not inside any loadable segment, and there is no PVH note "
            + "(XEN_ELFNOTE_PHYS32_ENTRY) to boot from instead");
    }
}
