using System.Globalization;

namespace Kata.GuestImage.Tests.Infrastructure;

/// <summary>
/// The initramfs unpacked into a scratch directory the way the kernel unpacks it into rootfs: directories, regular files
/// symlinks and character devices with their modes (the agent needs /dev/urandom before it mounts devtmpfs).
/// </summary>
public sealed class ExtractedInitramfs : IDisposable
{
    private ExtractedInitramfs(string root) => Root = root;

    public string Root { get; }

    public static ExtractedInitramfs From(string archive)
    {
        var extracted = new ExtractedInitramfs(Directory.CreateTempSubdirectory("kata-initramfs-root-").FullName);
        foreach (CpioEntry entry in CpioArchive.ReadGzip(archive))
        {
            string path = Path.Combine(extracted.Root, entry.GuestPath.TrimStart('/'));
            if (entry.IsDirectory)
            {
                Directory.CreateDirectory(path);
            }
            else if (entry.IsRegularFile)
            {
                File.WriteAllBytes(path, entry.Data);
            }
            else if (entry.IsSymlink)
            {
                File.CreateSymbolicLink(path, System.Text.Encoding.UTF8.GetString(entry.Data));
                continue;
            }
            else if (entry.IsCharacterDevice)
            {
                ScriptRun made = ScriptRun.RunAsync("mknod", [path, "c", entry.RdevMajor.ToString(CultureInfo.InvariantCulture),
                    entry.RdevMinor.ToString(CultureInfo.InvariantCulture)]).GetAwaiter().GetResult();
                if (made.ExitCode != 0)
                {
                    throw new IOException($"mknod {path}: {made.Output}");
                }
            }
            else
            {
                continue;
            }
            File.SetUnixFileMode(path, (UnixFileMode)entry.Permissions);
        }
        return extracted;
    }

    /// <summary>Mount points under <see cref="Root"/> in the host's mount table (none may be left behind).</summary>
    public IReadOnlyList<string> HostMountsUnderRoot() =>
        File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
            .Where(m => m.StartsWith(Root + "/", StringComparison.Ordinal) || m == Root).ToList();

    public void Dispose()
    {
        if (HostMountsUnderRoot().Count == 0)
        {
            Directory.Delete(Root, recursive: true);
        }
        else
        {
            // Never recurse into a live mount (it could be the host's /proc or /sys): leave the directory for inspection.
            Console.Error.WriteLine($"ExtractedInitramfs: mounts remain under {Root}; not deleting it");
        }
    }
}
