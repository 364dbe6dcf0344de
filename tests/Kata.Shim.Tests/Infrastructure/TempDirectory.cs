namespace Kata.Shim.Tests.Infrastructure;

/// <summary>A fresh directory under /tmp with a short path (Unix socket paths are limited to 107 bytes).</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("kst-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process (containerd) may still hold a file for a moment; /tmp is cleaned anyway.
        }
    }
}
