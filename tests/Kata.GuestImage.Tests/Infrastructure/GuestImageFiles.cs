using System.Runtime.CompilerServices;

namespace Kata.GuestImage.Tests.Infrastructure;

/// <summary>
/// The built guest image and agent: build/guest/initramfs.cpio.gz and build/bin/kata-style-agent (`make guest-image`,
/// which `make test` runs first). A test that needs one that is absent is skipped with the command that builds it.
/// </summary>
public static class GuestImageFiles
{
    public static string? RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (string? start in new[] { Path.GetDirectoryName(sourceFile), AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (string? dir = start; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "Kata.sln")))
                {
                    return dir;
                }
            }
        }
        return null;
    }

    public static string Initramfs => OrSkip(Path.Combine("build", "guest", "initramfs.cpio.gz"));
    public static string Vmlinux => OrSkip(Path.Combine("build", "guest", "vmlinux"));
    public static string Manifest => OrSkip(Path.Combine("build", "guest", "manifest.json"));
    public static string Agent => OrSkip(Path.Combine("build", "bin", "kata-style-agent"));
    public static string BuildScript => OrSkip(Path.Combine("guest-image", "build-initramfs.sh"));

    private static string OrSkip(string relative)
    {
        string? root = RepositoryRoot();
        string? path = root is null ? null : Path.Combine(root, relative);
        if (path is null || !File.Exists(path))
        {
            Assert.Skip($"{relative} not built: run `make guest-image` (make test does)");
        }
        return path;
    }
}
