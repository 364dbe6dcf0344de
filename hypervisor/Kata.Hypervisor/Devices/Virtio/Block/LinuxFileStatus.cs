using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>
/// <c>struct stat</c> as the x86-64 Linux kernel and glibc lay it out (asm/stat.h: 144 bytes). Only the fields the
/// block device uses are named.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 144)]
internal struct LinuxFileStatus
{
    public const uint TypeMask = 0xF000;     // S_IFMT
    public const uint RegularFile = 0x8000;  // S_IFREG
    public const uint BlockDevice = 0x6000;  // S_IFBLK
    public const uint Directory = 0x4000;    // S_IFDIR
    public const uint CharacterDevice = 0x2000; // S_IFCHR
    public const uint Fifo = 0x1000;         // S_IFIFO
    public const uint Socket = 0xC000;       // S_IFSOCK

    [FieldOffset(0)] public ulong Device;       // st_dev
    [FieldOffset(8)] public ulong Inode;        // st_ino
    [FieldOffset(24)] public uint Mode;         // st_mode
    [FieldOffset(40)] public ulong SpecialDevice; // st_rdev
    [FieldOffset(48)] public long Size;         // st_size

    public readonly uint FileType => Mode & TypeMask;

    /// <summary>The file type in words, for error messages.</summary>
    public readonly string DescribeType() => FileType switch
    {
        RegularFile => "a regular file",
        BlockDevice => "a block device",
        Directory => "a directory",
        CharacterDevice => "a character device",
        Fifo => "a FIFO",
        Socket => "a socket",
        _ => $"a file of type 0{FileType >> 12:o}",
    };
}
