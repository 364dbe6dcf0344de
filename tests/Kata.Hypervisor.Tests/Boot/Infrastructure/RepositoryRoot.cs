using System.Runtime.CompilerServices;

namespace Kata.Hypervisor.Tests.Boot.Infrastructure;

/// <summary>
/// Finds the repository (the directory holding Kata.sln). The test binaries may be built outside the tree
/// (KATA_BUILD_ROOT), so the search also starts from this source file's compile-time path.
/// </summary>
public static class RepositoryRoot
{
    public static string? Find([CallerFilePath] string sourceFile = "")
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

    /// <summary>The path of a built guest artifact (build/guest/NAME), or skips the test if it is absent.</summary>
    public static string GuestArtifactOrSkip(string name)
    {
        string? root = Find();
        string? path = root is null ? null : Path.Combine(root, "build", "guest", name);
        if (path is null || !File.Exists(path))
        {
            Assert.Skip($"build/guest/{name} not built: run make guest-kernel");
        }
        return path;
    }
}
