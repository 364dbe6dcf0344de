namespace Kata.Hypervisor.Tests.Cli;

/// <summary>A temporary directory with a stand-in kernel and initrd (parsing only checks that they exist).</summary>
internal sealed class CliTempFiles : IDisposable
{
    public CliTempFiles()
    {
        Dir = Directory.CreateTempSubdirectory("kcli-").FullName;
        Kernel = Write("vmlinux", "not really a kernel");
        Initrd = Write("initramfs.cpio.gz", "not really an initrd");
    }

    public string Dir { get; }
    public string Kernel { get; }
    public string Initrd { get; }

    public string Write(string name, string content)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
