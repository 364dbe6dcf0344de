namespace Kata.GuestImage.Tests.Infrastructure;

/// <summary>One member of a "newc" cpio archive (the format the kernel unpacks an initramfs from).</summary>
public sealed record CpioEntry(string Name, uint Mode, uint Uid, uint Gid, uint MTime, uint RdevMajor, uint RdevMinor, byte[] Data)
{
    private const uint TypeMask = 0xF000, TypeDirectory = 0x4000, TypeRegular = 0x8000, TypeSymlink = 0xA000, TypeCharacter = 0x2000;

    /// <summary>The permission bits (mode &amp; 07777).</summary>
    public uint Permissions => Mode & 0xFFF;
    public bool IsDirectory => (Mode & TypeMask) == TypeDirectory;
    public bool IsRegularFile => (Mode & TypeMask) == TypeRegular;
    public bool IsSymlink => (Mode & TypeMask) == TypeSymlink;
    public bool IsCharacterDevice => (Mode & TypeMask) == TypeCharacter;
    /// <summary>The absolute path in the guest ("init" in the archive is "/init").</summary>
    public string GuestPath => "/" + Name.TrimStart('.', '/');
}
