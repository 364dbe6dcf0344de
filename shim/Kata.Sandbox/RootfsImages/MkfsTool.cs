using System.Diagnostics;
using System.Globalization;

namespace Kata.Sandbox.RootfsImages;

/// <summary>
/// Runs mkfs.erofs (erofs-utils) or mkfs.ext4 -d (e2fsprogs) to turn a directory into a filesystem image. Both copy
/// names, modes, owners, times, symlinks and device nodes from the directory as they are.
/// </summary>
internal static class MkfsTool
{
    /// <summary>Where Debian installs them; a shim started by containerd may have a PATH without the sbin directories.</summary>
    private static readonly string[] SystemDirectories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

    public static string ProgramFor(RootfsImageFormat format) => format == RootfsImageFormat.Erofs ? "mkfs.erofs" : "mkfs.ext4";

    public static string PackageFor(RootfsImageFormat format) => format == RootfsImageFormat.Erofs ? "erofs-utils" : "e2fsprogs";

    /// <summary>Writes the image of <paramref name="source"/> to <paramref name="image"/> (which must not exist yet).</summary>
    public static void Build(RootfsImageFormat format, string source, string image, RootfsTreeKey.Summary tree)
    {
        string program = Find(ProgramFor(format))
            ?? throw new RootfsImageException($"{ProgramFor(format)} was not found on PATH or in /usr/sbin: install the Debian package {PackageFor(format)}");
        List<string> arguments = format == RootfsImageFormat.Erofs
            ? ["--quiet", image, source]
            : Ext4Arguments(source, image, tree);
        if (format == RootfsImageFormat.Ext4)
        {
            // mkfs.ext4 writes into an existing file of the size it is given.
            using (var file = new FileStream(image, FileMode.CreateNew, FileAccess.Write))
            {
                file.SetLength(Ext4SizeBytes(tree));
            }
        }
        Run(program, arguments, source);
    }

    /// <summary>
    /// An ext4 image cannot grow, so its size is estimated: every file rounded up to 4 KiB blocks, a block per
    /// directory, a 256-byte inode per entry, plus a quarter for metadata and 8 MiB for the group descriptors,
    /// bitmaps and the root reserve that small filesystems need.
    /// </summary>
    internal static long Ext4SizeBytes(RootfsTreeKey.Summary tree)
    {
        long data = tree.FileBytes + (long)tree.Entries * 4096 + (long)tree.Entries * 256;
        long size = data + data / 4 + (8L << 20);
        return (size + 4095) / 4096 * 4096;
    }

    private static List<string> Ext4Arguments(string source, string image, RootfsTreeKey.Summary tree) =>
    [
        "-q", "-F", "-t", "ext4",
        // No journal (the disk is attached read-only), no reserved blocks, enough inodes for every entry.
        "-O", "^has_journal", "-m", "0",
        "-N", (tree.Entries + 64).ToString(CultureInfo.InvariantCulture),
        "-L", "rootfs",
        "-d", source,
        image,
    ];

    private static void Run(string program, List<string> arguments, string source)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(info) ?? throw new RootfsImageException($"could not start {program}");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            string said = (error.Result + output.Result).Trim();
            throw new RootfsImageException(
                $"{Path.GetFileName(program)} failed (exit code {process.ExitCode}) making the image of {source}: {(said.Length == 0 ? "no output" : said)}");
        }
    }

    private static string? Find(string name)
    {
        IEnumerable<string> directories = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(SystemDirectories);
        return directories.Select(directory => Path.Combine(directory, name)).FirstOrDefault(File.Exists);
    }
}
