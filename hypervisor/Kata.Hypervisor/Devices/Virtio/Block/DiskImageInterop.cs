using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>
/// The libc calls a disk image needs that .NET does not expose: stat/fstat for the file type, device and inode
/// (GET_ID), the size of a block device, and fsync. x86-64 Linux only (the <see cref="LinuxFileStatus"/> layout).
/// </summary>
internal static partial class DiskImageInterop
{
    private const string Lib = "libc";

    /// <summary>BLKGETSIZE64 = _IOR(0x12, 114, size_t) (linux/fs.h): a block device's size in bytes.</summary>
    public const nuint BlkGetSize64 = 0x8008_1272;

    [LibraryImport(Lib, EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Stat(string path, out LinuxFileStatus status);

    [LibraryImport(Lib, EntryPoint = "fstat", SetLastError = true)]
    public static partial int FileStat(SafeFileHandle fd, out LinuxFileStatus status);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlGetSize(SafeFileHandle fd, nuint request, out ulong size);

    [LibraryImport(Lib, EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(SafeFileHandle fd);
}
