namespace Kata.Hypervisor.Tests.Devices.Virtio.Block;

/// <summary>
/// A raw disk image in a fresh temporary directory, filled with a known pattern (each byte depends on its offset), and
/// removed with the directory. <paramref name="directory"/> picks the file system (/dev/shm where fsync is cheap).
/// </summary>
internal sealed class TempImage : IDisposable
{
    public TempImage(int sectors, string? directory = null, string name = "disk.img")
    {
        string root = directory ?? Path.GetTempPath();
        Directory = System.IO.Directory.CreateDirectory(Path.Combine(root, $"kblk-{Guid.NewGuid():N}")).FullName;
        ImagePath = Path.Combine(Directory, name);
        Original = Pattern(sectors * 512);
        File.WriteAllBytes(ImagePath, Original);
    }

    public string Directory { get; }
    public string ImagePath { get; }
    public byte[] Original { get; }

    public byte[] Contents() => File.ReadAllBytes(ImagePath);

    /// <summary>A pattern no two sectors share: byte i = (i * 7 + i / 512 * 13) mod 251.</summary>
    public static byte[] Pattern(int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 7 + i / 512 * 13) % 251);
        }
        return bytes;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a test that made a file immutable cleans it up itself.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
