using System.Diagnostics;
using Kata.Hypervisor.Devices.Virtio.Block;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Block;

/// <summary>Opening disk images: what is accepted, and a clear error naming the path for everything else.</summary>
public sealed class DiskImageFileTests
{
    [Fact]
    public void ARegularFile_OpensWithItsSizeAndSerial()
    {
        using var image = new TempImage(sectors: 8);
        using DiskImageFile disk = DiskImageFile.Open(image.ImagePath, readOnly: false);

        Assert.Equal(8ul * 512, disk.SizeBytes);
        Assert.False(disk.IsReadOnly);
        Assert.Equal(20, disk.Serial.Length);
        Assert.Equal(ExpectedSerial(image.ImagePath), System.Text.Encoding.ASCII.GetString(disk.Serial.Span).TrimEnd('\0'));
        byte[] sector = new byte[512];
        Assert.Equal(512, disk.Read(sector, 512 * 7));
        Assert.Equal(image.Original.AsSpan(512 * 7).ToArray(), sector);
        Assert.Equal(0, disk.Read(sector, 512 * 8)); // end of file
    }

    [Fact]
    public void AMissingFile_DoesNotExist()
    {
        string path = Path.Combine(Path.GetTempPath(), $"kblk-missing-{Guid.NewGuid():N}", "disk.img");
        var error = Assert.Throws<DiskImageException>(() => DiskImageFile.Open(path, readOnly: false));
        Assert.Equal($"{path} does not exist", error.Message);
    }

    [Fact]
    public void AnEmptyPath_IsRefused()
    {
        var error = Assert.Throws<DiskImageException>(() => DiskImageFile.Open("", readOnly: true));
        Assert.Contains("path is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADirectory_IsNotADisk()
    {
        using var image = new TempImage(sectors: 1);
        var error = Assert.Throws<DiskImageException>(() => DiskImageFile.Open(image.Directory, readOnly: true));
        Assert.Equal($"{image.Directory} is a directory, not a regular file or block device", error.Message);
    }

    [Fact]
    public void ACharacterDevice_IsNotADisk()
    {
        var error = Assert.Throws<DiskImageException>(() => DiskImageFile.Open("/dev/null", readOnly: true));
        Assert.Equal("/dev/null is a character device, not a regular file or block device", error.Message);
    }

    [Fact]
    public void AFifo_IsRefusedWithoutBlockingOnOpen()
    {
        using var image = new TempImage(sectors: 1);
        string fifo = Path.Combine(image.Directory, "fifo");
        Run("mkfifo", fifo);

        var error = Assert.Throws<DiskImageException>(() => DiskImageFile.Open(fifo, readOnly: false));
        Assert.Equal($"{fifo} is a FIFO, not a regular file or block device", error.Message);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(511)]
    [InlineData(513)]
    public void ASizeThatIsNotWholeSectors_IsRefused(int size)
    {
        using var image = new TempImage(sectors: 1);
        File.WriteAllBytes(image.ImagePath, new byte[size]);

        var error = Assert.Throws<DiskImageException>(() => DiskImageFile.Open(image.ImagePath, readOnly: true));
        Assert.Equal($"{image.ImagePath} is {size} bytes, not a whole number of 512-byte sectors (pad or resize the image)", error.Message);
    }

    [Fact]
    public void AnEmptyFile_IsADiskOfNoSectors()
    {
        using var image = new TempImage(sectors: 0);
        using DiskImageFile disk = DiskImageFile.Open(image.ImagePath, readOnly: false);
        Assert.Equal(0ul, disk.SizeBytes);
    }

    [Fact]
    public void AReadOnlyFile_CannotBeOpenedForWriting_ButCanReadOnly()
    {
        using var image = new TempImage(sectors: 2);
        Run("chmod", "0444", image.ImagePath);
        bool immutable = false;
        try
        {
            if (CanOpenForWriting(image.ImagePath))
            {
                // Root ignores permission bits; an immutable file (chattr +i) refuses writers even to root.
                immutable = TryRun("chattr", "+i", image.ImagePath);
                if (!immutable || CanOpenForWriting(image.ImagePath))
                {
                    Assert.Skip("cannot make a file read-only for this user here (root without chattr +i support)");
                }
            }

            var error = Assert.Throws<DiskImageException>(() => DiskImageFile.Open(image.ImagePath, readOnly: false));
            Assert.StartsWith($"{image.ImagePath} cannot be opened for writing (", error.Message, StringComparison.Ordinal);
            Assert.Contains($"attach it read-only ({image.ImagePath},ro)", error.Message, StringComparison.Ordinal);

            using DiskImageFile disk = DiskImageFile.Open(image.ImagePath, readOnly: true);
            Assert.True(disk.IsReadOnly);
            Assert.Throws<InvalidOperationException>(() => disk.Write(new byte[512], 0));
        }
        finally
        {
            if (immutable)
            {
                TryRun("chattr", "-i", image.ImagePath);
            }
        }
    }

    [Fact]
    public void ABlockDevice_OpensWithTheSizeTheBlockLayerReports()
    {
        using var image = new TempImage(sectors: 2048);
        if (Environment.UserName != "root" || !TryRun("losetup", "--version"))
        {
            Assert.Skip("needs root and losetup to attach a loop device");
        }
        string? loop = TryRunOutput("losetup", "--find", "--show", "--read-only", image.ImagePath);
        if (loop is null || !loop.StartsWith("/dev/loop", StringComparison.Ordinal))
        {
            Assert.Skip("no free loop device here");
        }
        try
        {
            using DiskImageFile disk = DiskImageFile.Open(loop, readOnly: true);
            Assert.Equal(2048ul * 512, disk.SizeBytes);
            Assert.Equal(ExpectedSerial(loop), System.Text.Encoding.ASCII.GetString(disk.Serial.Span).TrimEnd('\0'));
            byte[] sector = new byte[512];
            Assert.Equal(512, disk.Read(sector, 512 * 100));
            Assert.Equal(image.Original.AsSpan(512 * 100, 512).ToArray(), sector);
        }
        finally
        {
            TryRun("losetup", "-d", loop);
        }
    }

    /// <summary>Firecracker's GET_ID serial: decimal st_dev, st_rdev, st_ino run together, at most 20 characters.</summary>
    private static string ExpectedSerial(string path)
    {
        string id = Run("stat", "-c", "%d%r%i", path);
        return id[..Math.Min(20, id.Length)];
    }

    private static bool CanOpenForWriting(string path)
    {
        try
        {
            using var probe = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Run(string program, params string[] args) =>
        TryRunOutput(program, args) ?? throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed");

    private static bool TryRun(string program, params string[] args) => TryRunOutput(program, args) is not null;

    private static string? TryRunOutput(string program, params string[] args)
    {
        try
        {
            using Process process = Process.Start(new ProcessStartInfo(program, args)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            string output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }
}
