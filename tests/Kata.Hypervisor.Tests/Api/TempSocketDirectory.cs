namespace Kata.Hypervisor.Tests.Api;

/// <summary>A fresh short directory for Unix sockets (sun_path is limited to 108 bytes), deleted afterwards.</summary>
internal sealed class TempSocketDirectory : IDisposable
{
    public TempSocketDirectory()
    {
        Path = Directory.CreateTempSubdirectory("kapi-").FullName;
    }

    public string Path { get; }

    public string SocketPath => System.IO.Path.Combine(Path, "vmm.sock");

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
