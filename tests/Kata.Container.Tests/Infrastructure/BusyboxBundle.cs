using Kata.Oci.Spec;

namespace Kata.Container.Tests.Infrastructure;

/// <summary>
/// An OCI bundle in a temporary directory: rootfs with the host's static busybox and its applet links, and a
/// config.json from Kata.Oci's default spec (terminal off) changed by the test.
/// </summary>
internal sealed class BusyboxBundle : IDisposable
{
    private static readonly string[] Applets =
        ["sh", "echo", "cat", "hostname", "ls", "id", "sleep", "true", "false", "test", "wc", "grep", "readlink", "pwd", "touch", "mkdir", "domainname", "stat", "cut", "tty", "stty"];

    public BusyboxBundle(IReadOnlyList<string> args, Func<RuntimeSpec, RuntimeSpec>? customize = null)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("kata-engine-bundle-").FullName;
        Rootfs = Path.Combine(Directory, "rootfs");
        foreach (var folder in new[] { "bin", "proc", "sys", "dev", "tmp", "etc" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Rootfs, folder));
        }
        File.Copy("/bin/busybox", Path.Combine(Rootfs, "bin/busybox"));
        foreach (var applet in Applets)
        {
            File.CreateSymbolicLink(Path.Combine(Rootfs, "bin", applet), "busybox");
        }
        var spec = DefaultSpec.Create(args, terminal: false);
        Spec = customize is null ? spec : customize(spec);
        SpecSerializer.WriteToBundle(Directory, Spec);
    }

    public string Directory { get; }

    public string Rootfs { get; }

    public RuntimeSpec Spec { get; }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a test that failed may leave a mount behind; the mount-leak tests report that themselves
        }
    }
}
