using System.Runtime.InteropServices;

namespace Kata.Sandbox.Interop;

/// <summary>struct stat as glibc lays it out on x86-64 (&lt;bits/struct_stat.h&gt;, 144 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FileStatus
{
    public ulong Device;
    public ulong Inode;
    public ulong LinkCount;
    public uint Mode;
    public uint UserId;
    public uint GroupId;
    private int _padding;
    public ulong SpecialDevice;
    public long Size;
    public long BlockSize;
    public long Blocks;
    public long AccessSeconds;
    public long AccessNanoseconds;
    public long ModifySeconds;
    public long ModifyNanoseconds;
    public long ChangeSeconds;
    public long ChangeNanoseconds;
    private long _reserved0;
    private long _reserved1;
    private long _reserved2;

    // <sys/stat.h>: the file type bits of st_mode.
    public const uint TypeMask = 0xF000;
    public const uint Directory = 0x4000;
    public const uint RegularFile = 0x8000;
    public const uint SymbolicLink = 0xA000;
    public const uint CharacterDevice = 0x2000;
    public const uint BlockDevice = 0x6000;

    public readonly uint Type => Mode & TypeMask;
    /// <summary>Permission bits with setuid, setgid and sticky (07777).</summary>
    public readonly uint Permissions => Mode & 0xFFF;
}
