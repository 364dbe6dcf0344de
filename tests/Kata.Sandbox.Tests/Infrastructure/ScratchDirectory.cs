namespace Kata.Sandbox.Tests.Infrastructure;

/// <summary>A temporary directory removed at the end of the test (short path: Unix socket paths are limited to 107 bytes).</summary>
public sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine("/tmp", "ksb-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
