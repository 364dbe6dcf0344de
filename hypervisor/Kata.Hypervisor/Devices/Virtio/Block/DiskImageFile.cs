using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Kata.Hypervisor.Interop;
using Microsoft.Win32.SafeHandles;

namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>
/// A raw disk image: a regular file or a host block device, opened once, read and written with
/// <see cref="RandomAccess"/> (pread/pwrite: positional, no shared file position). Its size is fixed when it is opened
/// and must be a whole number of 512-byte sectors.
/// </summary>
public sealed class DiskImageFile : IDiskImage
{
    /// <summary>VIRTIO_BLK_ID_BYTES (virtio 1.2 §5.2.6): the length of the GET_ID answer.</summary>
    public const int SerialLength = 20;

    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    private readonly SafeFileHandle _handle;
    private readonly byte[] _serial;

    private DiskImageFile(string path, bool readOnly, SafeFileHandle handle, ulong sizeBytes, byte[] serial)
    {
        Path = path;
        IsReadOnly = readOnly;
        _handle = handle;
        SizeBytes = sizeBytes;
        _serial = serial;
    }

    public string Path { get; }
    public ulong SizeBytes { get; }
    public bool IsReadOnly { get; }
    public ReadOnlyMemory<byte> Serial => _serial;

    /// <summary>
    /// Opens <paramref name="path"/> for the guest: read-write, or read-only when <paramref name="readOnly"/>. Throws
    /// <see cref="DiskImageException"/> naming the path when it does not exist, is not a regular file or block device,
    /// is not a whole number of sectors, or cannot be opened as asked (a read-only file opened for writing).
    /// </summary>
    public static DiskImageFile Open(string path, bool readOnly, string? serial = null)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new DiskImageException("a disk image path is required");
        }
        byte[]? givenSerial = serial is null ? null : ParseSerial(path, serial);
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException("virtio-blk disk images are supported on x86-64 Linux only");
        }
        // The type is checked before opening: opening a FIFO would block, and a directory or a character device is
        // no disk.
        if (DiskImageInterop.Stat(path, out LinuxFileStatus before) != 0)
        {
            int errno = Errno.Last;
            throw new DiskImageException(errno is ENOENT or ENOTDIR
                ? $"{path} does not exist"
                : $"{path} cannot be examined: {Errno.Describe(errno)}");
        }
        CheckType(path, before);
        SafeFileHandle handle = OpenHandle(path, readOnly);
        try
        {
            if (DiskImageInterop.FileStat(handle, out LinuxFileStatus status) != 0)
            {
                throw new DiskImageException($"{path}: fstat failed: {Errno.Describe(Errno.Last)}");
            }
            CheckType(path, status);
            ulong size = SizeOf(path, handle, status);
            if (size % VirtioBlock.SectorSize != 0)
            {
                throw new DiskImageException(
                    $"{path} is {size} bytes, not a whole number of {VirtioBlock.SectorSize}-byte sectors (pad or resize the image)");
            }
            return new DiskImageFile(path, readOnly, handle, size, givenSerial ?? BuildSerial(status));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>A serial given by the user: 1 to 20 printable ASCII bytes (the guest reads it as a NUL-padded string).</summary>
    private static byte[] ParseSerial(string path, string serial)
    {
        if (serial.Length == 0 || serial.Length > SerialLength || serial.Any(c => c is < '!' or > '~'))
        {
            throw new DiskImageException(
                $"{path}: serial \"{serial}\" must be 1 to {SerialLength} printable ASCII characters without spaces (VIRTIO_BLK_ID_BYTES)");
        }
        byte[] bytes = new byte[SerialLength];
        Encoding.ASCII.GetBytes(serial, bytes);
        return bytes;
    }

    /// <summary>
    /// The GET_ID serial the way Firecracker (and kvmtool before it) builds it: the decimal st_dev, st_rdev and st_ino
    /// run together, the first 20 bytes of it, padded with NULs. Stable for a given file on a given host.
    /// </summary>
    internal static byte[] BuildSerial(in LinuxFileStatus status)
    {
        string id = string.Create(CultureInfo.InvariantCulture, $"{status.Device}{status.SpecialDevice}{status.Inode}");
        byte[] serial = new byte[SerialLength];
        Encoding.ASCII.GetBytes(id.AsSpan(0, Math.Min(id.Length, SerialLength)), serial);
        return serial;
    }

    public int Read(Span<byte> destination, ulong offset)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = RandomAccess.Read(_handle, destination[total..], checked((long)offset + total));
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }

    public void Write(ReadOnlySpan<byte> source, ulong offset)
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException($"{Path} is open read-only");
        }
        RandomAccess.Write(_handle, source, checked((long)offset));
    }

    public void Flush()
    {
        if (DiskImageInterop.Fsync(_handle) != 0)
        {
            int errno = Errno.Last;
            throw new IOException($"fsync on {Path} failed: {Errno.Describe(errno)} (errno {errno})");
        }
    }

    public void Dispose() => _handle.Dispose();

    private static void CheckType(string path, in LinuxFileStatus status)
    {
        if (status.FileType is not (LinuxFileStatus.RegularFile or LinuxFileStatus.BlockDevice))
        {
            throw new DiskImageException($"{path} is {status.DescribeType()}, not a regular file or block device");
        }
    }

    private static SafeFileHandle OpenHandle(string path, bool readOnly)
    {
        try
        {
            // FileShare.ReadWrite: no exclusive lock; the image may be inspected by other tools while the VM runs.
            return File.OpenHandle(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            if (!readOnly && CanOpenForReading(path))
            {
                throw new DiskImageException(
                    $"{path} cannot be opened for writing ({e.Message}); attach it read-only ({path},ro) or make it writable", e);
            }
            throw new DiskImageException($"{path} cannot be opened: {e.Message}", e);
        }
    }

    private static bool CanOpenForReading(string path)
    {
        try
        {
            using SafeFileHandle probe = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    private static ulong SizeOf(string path, SafeFileHandle handle, in LinuxFileStatus status)
    {
        if (status.FileType == LinuxFileStatus.RegularFile)
        {
            return (ulong)status.Size;
        }
        // st_size is 0 for a block device: ask the block layer.
        if (DiskImageInterop.IoctlGetSize(handle, DiskImageInterop.BlkGetSize64, out ulong size) != 0)
        {
            throw new DiskImageException($"{path}: BLKGETSIZE64 failed: {Errno.Describe(Errno.Last)}");
        }
        return size;
    }
}
