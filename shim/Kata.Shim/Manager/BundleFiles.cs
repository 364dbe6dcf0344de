using System.Globalization;

namespace Kata.Shim.Manager;

/// <summary>
/// The files a shim keeps in the bundle directory, as containerd's runc shim does: `address` (the pod shim's socket,
/// read by containerd and by sibling containers), `shim.pid`, `init.pid` (the container's init, for `delete` after a
/// crash), `sandbox-state` (the sandbox's state directory, ditto), and `log`, the FIFO containerd reads our log from.
/// </summary>
public static class BundleFiles
{
    public const string Address = "address";
    public const string ShimPid = "shim.pid";
    public const string InitPid = "init.pid";
    public const string SandboxState = "sandbox-state";
    public const string Log = "log";
    public const string Rootfs = "rootfs";

    /// <summary>Writes through a temporary file and a rename, so a reader never sees half a file.</summary>
    public static void WriteAtomically(string bundle, string name, string content)
    {
        string path = Path.Combine(bundle, name);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    public static string? ReadText(string bundle, string name)
    {
        try
        {
            return File.ReadAllText(Path.Combine(bundle, name)).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public static int ReadPid(string bundle, string name) =>
        int.TryParse(ReadText(bundle, name), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0 ? pid : 0;

    public static void WritePid(string bundle, string name, int pid) =>
        WriteAtomically(bundle, name, pid.ToString(CultureInfo.InvariantCulture));
}
