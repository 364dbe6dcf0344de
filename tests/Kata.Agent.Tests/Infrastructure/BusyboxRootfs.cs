using Kata.Oci.Spec;

namespace Kata.Agent.Tests.Infrastructure;

/// <summary>A rootfs with the host's static busybox and its applet links, and the spec JSON the host would send for it.</summary>
public sealed class BusyboxRootfs : IDisposable
{
    private static readonly string[] Applets = ["sh", "echo", "cat", "hostname", "sleep", "true", "ps", "wc", "tty", "stty"];

    public BusyboxRootfs()
    {
        Path = Directory.CreateTempSubdirectory("kata-agent-rootfs-").FullName;
        foreach (string folder in new[] { "bin", "proc", "sys", "dev", "tmp", "etc" })
        {
            Directory.CreateDirectory(System.IO.Path.Combine(Path, folder));
        }
        File.Copy("/bin/busybox", System.IO.Path.Combine(Path, "bin/busybox"));
        foreach (string applet in Applets)
        {
            File.CreateSymbolicLink(System.IO.Path.Combine(Path, "bin", applet), "busybox");
        }
    }

    public string Path { get; }

    /// <summary>`runc spec` defaults without a terminal, rootfs at our absolute path.</summary>
    public string SpecJson(params string[] args)
    {
        RuntimeSpec spec = DefaultSpec.Create(args, terminal: false);
        return SpecSerializer.Serialize(spec with { Root = spec.Root! with { Path = Path } });
    }

    public static string ProcessJson(params string[] args)
    {
        ProcessSpec process = DefaultSpec.Create(args, terminal: false).Process!;
        return SpecSerializer.Serialize(process);
    }

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
