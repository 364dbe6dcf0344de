namespace Kata.Sandbox.Tests.Infrastructure;

/// <summary>
/// A busybox rootfs with the kinds of entries an image must carry over: directories with odd modes (sticky, 0700),
/// files of other owners, setuid, an empty file, absolute and relative symlinks, a dangling symlink, a character
/// device and a FIFO. Made as root (owners and device nodes need it).
/// </summary>
public sealed class SampleRootfs
{
    public SampleRootfs(string path)
    {
        Path = path;
        foreach (string folder in new[] { "bin", "etc", "proc", "sys", "dev", "tmp", "root", "home/user/.cache", "var/empty" })
        {
            Directory.CreateDirectory(Combine(folder));
        }
        File.Copy("/bin/busybox", Combine("bin/busybox"));
        foreach (string applet in new[] { "sh", "echo", "cat", "ls" })
        {
            File.CreateSymbolicLink(Combine("bin/" + applet), "busybox");
        }
        File.CreateSymbolicLink(Combine("bin/absolute-sh"), "/bin/busybox");
        File.CreateSymbolicLink(Combine("etc/dangling"), "../nowhere/at/all");
        File.WriteAllText(Combine("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n");
        File.WriteAllText(Combine("etc/hostname"), "sample\n");
        File.WriteAllBytes(Combine("var/empty/nothing"), []);
        File.WriteAllText(Combine("home/user/notes.txt"), "only the user reads this\n");
        File.WriteAllBytes(Combine("bin/setuid-tool"), [0x7f, (byte)'E', (byte)'L', (byte)'F']);
        HostCommand.Run("chmod", "1777", Combine("tmp"));
        HostCommand.Run("chmod", "0700", Combine("root"));
        HostCommand.Run("chmod", "4755", Combine("bin/setuid-tool"));
        HostCommand.Run("chmod", "0600", Combine("home/user/notes.txt"));
        HostCommand.Run("chown", "-R", "1000:1000", Combine("home/user"));
        HostCommand.Run("chown", "-h", "1000:100", Combine("etc/dangling"));
        HostCommand.Run("mknod", "-m", "0666", Combine("dev/null"), "c", "1", "3");
        HostCommand.Run("mkfifo", "-m", "0620", Combine("var/empty/fifo"));
    }

    public string Path { get; }

    public string Combine(string relative) => System.IO.Path.Combine(Path, relative);
}
