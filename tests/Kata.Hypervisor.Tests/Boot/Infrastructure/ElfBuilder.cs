using System.Buffers.Binary;
using System.Text;

namespace Kata.Hypervisor.Tests.Boot.Infrastructure;

/// <summary>
/// Writes small ELF64 files (System V gABI layout: header, program headers, then segment and note bytes) to test the
/// kernel loader with images whose every field is known. Fields can be set to hostile values.
/// </summary>
public sealed class ElfBuilder
{
    private readonly List<Segment> _segments = [];
    private readonly List<Note> _notes = [];

    public byte ElfClass { get; set; } = 2;
    public byte DataEncoding { get; set; } = 1;
    public ushort Type { get; set; } = 2;
    public ushort Machine { get; set; } = 62;
    public ulong Entry { get; set; }
    public ushort? ProgramHeaderEntrySizeOverride { get; set; }
    /// <summary>Alignment of the PT_NOTE segment (4 as Linux, or 8).</summary>
    public int NoteAlignment { get; set; } = 4;

    public sealed record Segment(ulong PhysicalAddress, ulong VirtualAddress, byte[] Bytes, ulong MemorySize)
    {
        /// <summary>Overrides p_filesz (to claim more file bytes than there are).</summary>
        public ulong? FileSizeOverride { get; init; }
    }

    public sealed record Note(string Name, uint Type, byte[] Descriptor);

    public ElfBuilder AddLoad(ulong physicalAddress, byte[] bytes, ulong? memorySize = null, ulong? virtualAddress = null,
        ulong? fileSizeOverride = null)
    {
        _segments.Add(new Segment(physicalAddress, virtualAddress ?? physicalAddress, bytes, memorySize ?? (ulong)bytes.Length)
        {
            FileSizeOverride = fileSizeOverride,
        });
        return this;
    }

    public ElfBuilder AddNote(string name, uint type, byte[] descriptor)
    {
        _notes.Add(new Note(name, type, descriptor));
        return this;
    }

    /// <summary>Adds the Xen XEN_ELFNOTE_PHYS32_ENTRY note Linux emits (an 8-byte descriptor on x86_64).</summary>
    public ElfBuilder AddPvhNote(ulong entry, int descriptorBytes = 8)
    {
        var descriptor = new byte[descriptorBytes];
        if (descriptorBytes == 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor, (uint)entry);
        }
        else if (descriptorBytes >= 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(descriptor, entry);
        }
        return AddNote("Xen", 18, descriptor);
    }

    public byte[] Build()
    {
        int phnum = _segments.Count + (_notes.Count > 0 ? 1 : 0);
        byte[] notes = EncodeNotes();
        long dataStart = 64 + 56L * phnum;
        var body = new MemoryStream();
        var offsets = new List<long>();
        foreach (Segment segment in _segments)
        {
            offsets.Add(dataStart + body.Length);
            body.Write(segment.Bytes);
            while (body.Length % 16 != 0)
            {
                body.WriteByte(0);
            }
        }
        long noteOffset = dataStart + body.Length;
        body.Write(notes);

        var file = new byte[dataStart + body.Length];
        Span<byte> h = file;
        h[0] = 0x7f; h[1] = (byte)'E'; h[2] = (byte)'L'; h[3] = (byte)'F';
        h[4] = ElfClass; h[5] = DataEncoding; h[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(h[0x10..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[0x12..], Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(h[0x14..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(h[0x18..], Entry);
        BinaryPrimitives.WriteUInt64LittleEndian(h[0x20..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(h[0x34..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(h[0x36..], ProgramHeaderEntrySizeOverride ?? 56);
        BinaryPrimitives.WriteUInt16LittleEndian(h[0x38..], (ushort)phnum);

        int index = 0;
        for (int i = 0; i < _segments.Count; i++, index++)
        {
            Segment s = _segments[i];
            WriteProgramHeader(h[(64 + 56 * index)..], 1, offsets[i], s.VirtualAddress, s.PhysicalAddress,
                s.FileSizeOverride ?? (ulong)s.Bytes.Length, s.MemorySize, 0x20_0000);
        }
        if (_notes.Count > 0)
        {
            WriteProgramHeader(h[(64 + 56 * index)..], 4, noteOffset, 0, 0, (ulong)notes.Length, (ulong)notes.Length,
                (ulong)NoteAlignment);
        }
        body.ToArray().CopyTo(file, dataStart);
        return file;
    }

    private static void WriteProgramHeader(Span<byte> p, uint type, long offset, ulong vaddr, ulong paddr, ulong filesz,
        ulong memsz, ulong align)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(p, type);
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], 5);
        BinaryPrimitives.WriteUInt64LittleEndian(p[0x08..], (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(p[0x10..], vaddr);
        BinaryPrimitives.WriteUInt64LittleEndian(p[0x18..], paddr);
        BinaryPrimitives.WriteUInt64LittleEndian(p[0x20..], filesz);
        BinaryPrimitives.WriteUInt64LittleEndian(p[0x28..], memsz);
        BinaryPrimitives.WriteUInt64LittleEndian(p[0x30..], align);
    }

    /// <summary>Notes: namesz, descsz, type, name (NUL-terminated), descriptor; name and descriptor padded.</summary>
    private byte[] EncodeNotes()
    {
        var stream = new MemoryStream();
        var head = new byte[12];
        foreach (Note note in _notes)
        {
            byte[] name = Encoding.ASCII.GetBytes(note.Name + "\0");
            BinaryPrimitives.WriteUInt32LittleEndian(head, (uint)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4), (uint)note.Descriptor.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(8), note.Type);
            stream.Write(head);
            stream.Write(name);
            Pad(stream);
            stream.Write(note.Descriptor);
            Pad(stream);
        }
        return stream.ToArray();
    }

    private void Pad(MemoryStream stream)
    {
        while (stream.Length % NoteAlignment != 0)
        {
            stream.WriteByte(0);
        }
    }
}
