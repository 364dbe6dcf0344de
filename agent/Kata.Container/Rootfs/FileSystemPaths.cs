namespace Kata.Container.Rootfs;

/// <summary>Small helpers for creating mount points inside the rootfs.</summary>
internal static class FileSystemPaths
{
    /// <summary>Creates an empty file (and its parents) to bind a file onto, if nothing is there yet.</summary>
    public static void EnsureFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ContainerConfigException($"cannot bind a file onto {path}: it is a directory");
        }
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (File.Create(path))
            {
            }
        }
    }

    public static void EnsureDirectory(string path)
    {
        if (File.Exists(path))
        {
            throw new ContainerConfigException($"cannot mount a directory onto {path}: it is a file");
        }
        Directory.CreateDirectory(path);
    }
}
