using System.Security.Cryptography;
using System.Text.Json;
using Kata.GuestImage.Tests.Infrastructure;

namespace Kata.GuestImage.Tests;

/// <summary>build/guest/initramfs.cpio.gz parsed back: what the kernel will unpack and run as init.</summary>
public class InitramfsContentsTests
{
    // Where glibc's ld.so looks when a library has no path (ld.so(8): the trusted directories, Debian multiarch first).
    private static readonly string[] LibraryDirectories =
        ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

    [Fact]
    public void InitIsTheNativeAotAgent()
    {
        var entries = CpioArchive.ReadGzip(GuestImageFiles.Initramfs);
        CpioEntry init = Assert.Single(entries, e => e.GuestPath == "/init");
        Assert.True(init.IsRegularFile);
        Assert.Equal(0x1EDu /* 0755 */, init.Permissions);
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(GuestImageFiles.Agent)), SHA256.HashData(init.Data));
    }

    [Fact]
    public void EveryLibraryTheAgentNeedsIsInTheArchive()
    {
        var files = CpioArchive.ReadGzip(GuestImageFiles.Initramfs).Where(e => e.IsRegularFile).ToDictionary(e => e.GuestPath);
        ElfDependencies agent = ElfDependencies.Read(files["/init"].Data);
        Assert.NotNull(agent.Interpreter);
        Assert.True(files.ContainsKey(agent.Interpreter), $"the program interpreter {agent.Interpreter} is missing");

        // The closure over DT_NEEDED, resolved the way ld.so searches, inside the archive only.
        var pending = new Queue<(string Library, string NeededBy)>(agent.Needed.Select(n => (n, "/init")));
        var resolved = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        while (pending.TryDequeue(out var next))
        {
            if (!resolved.Add(next.Library))
            {
                continue;
            }
            string? path = LibraryDirectories.Select(d => d + "/" + next.Library).FirstOrDefault(files.ContainsKey);
            if (path is null)
            {
                missing.Add($"{next.Library} (needed by {next.NeededBy})");
                continue;
            }
            foreach (string needed in ElfDependencies.Read(files[path].Data).Needed)
            {
                pending.Enqueue((needed, path));
            }
        }
        Assert.Empty(missing);
        Assert.Contains("libc.so.6", resolved);
    }

    [Fact]
    public void EntriesAreSortedRootOwnedAndTimestampedWithTheEpoch()
    {
        var entries = CpioArchive.ReadGzip(GuestImageFiles.Initramfs);
        using var manifest = JsonDocument.Parse(File.ReadAllText(GuestImageFiles.Manifest));
        uint epoch = manifest.RootElement.GetProperty("sourceDateEpoch").GetUInt32();

        var names = entries.Select(e => e.GuestPath).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(entries, e =>
        {
            Assert.True(e.Uid == 0 && e.Gid == 0, $"{e.GuestPath} is owned by {e.Uid}:{e.Gid}");
            Assert.True(e.MTime == epoch, $"{e.GuestPath} has mtime {e.MTime}, not SOURCE_DATE_EPOCH {epoch}");
        });
        // Every entry's parent directory comes before it (the kernel's unpacker does not create parents).
        var directories = entries.Where(e => e.IsDirectory).Select(e => e.GuestPath).ToHashSet(StringComparer.Ordinal);
        Assert.All(entries, e =>
        {
            string parent = Path.GetDirectoryName(e.GuestPath)!;
            Assert.True(parent == "/" || directories.Contains(parent), $"{e.GuestPath}: parent {parent} is not in the archive");
        });
    }

    [Fact]
    public void TheMountPointsAndConsoleTheAgentNeedsAsPid1ArePresent()
    {
        var entries = CpioArchive.ReadGzip(GuestImageFiles.Initramfs).ToDictionary(e => e.GuestPath);
        foreach (string dir in new[] { "/dev", "/proc", "/sys", "/run", "/tmp" })
        {
            Assert.True(entries.TryGetValue(dir, out var entry) && entry.IsDirectory, $"{dir} is not a directory in the archive");
        }
        // The kernel opens /dev/console for init's stdio before anything is mounted.
        Assert.True(entries.TryGetValue("/dev/console", out var console) && console.IsCharacterDevice, "/dev/console is missing");
        Assert.Equal((5u, 1u), (console.RdevMajor, console.RdevMinor));
        // The runtime reads /dev/urandom (its first Guid) before the agent has mounted devtmpfs.
        Assert.True(entries.TryGetValue("/dev/urandom", out var urandom) && urandom.IsCharacterDevice, "/dev/urandom is missing");
        Assert.Equal((1u, 9u), (urandom.RdevMajor, urandom.RdevMinor));
        // The production image has no shell (DEBUG_SHELL=1 adds one).
        Assert.DoesNotContain("/bin/sh", entries.Keys);
    }

    [Fact]
    public void ManifestDescribesTheArchiveAndItsFiles()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(GuestImageFiles.Manifest));
        JsonElement initramfs = manifest.RootElement.GetProperty("initramfs");
        byte[] archive = File.ReadAllBytes(GuestImageFiles.Initramfs);
        Assert.Equal(archive.Length, initramfs.GetProperty("bytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(archive)), initramfs.GetProperty("sha256").GetString());

        var files = CpioArchive.ReadGzip(GuestImageFiles.Initramfs).Where(e => e.IsRegularFile).ToDictionary(e => e.GuestPath);
        var listed = manifest.RootElement.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), listed.Select(f => f.GetProperty("name").GetString()!));
        Assert.All(listed, f =>
        {
            CpioEntry entry = files[f.GetProperty("name").GetString()!];
            Assert.Equal(entry.Data.Length, f.GetProperty("bytes").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(entry.Data)), f.GetProperty("sha256").GetString());
        });
    }
}
