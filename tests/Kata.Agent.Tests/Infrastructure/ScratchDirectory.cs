namespace Kata.Agent.Tests.Infrastructure;

/// <summary>A temporary directory removed at the end of the test.</summary>
public sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kata-agent-test-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A socket still held by a dying process: the OS's tmp cleaning takes it.
        }
    }
}
