using Kata.Container.Interop;

namespace Kata.Container.Tests.Infrastructure;

/// <summary>
/// A real cgroup2 mount on a temp directory. On this v1 host the controllers are bound to v1 hierarchies, so the
/// unified hierarchy it shows has no controllers, but the core files (cgroup.procs, cgroup.freeze, cgroup.kill,
/// cgroup.events) work. Skips the test when the kernel refuses the mount.
/// </summary>
internal sealed class Cgroup2Mount : IDisposable
{
    public Cgroup2Mount()
    {
        RootOnly.Require();
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kata-cgroup2-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        if (Libc.Mount("none", Path, "cgroup2", 0, null) != 0)
        {
            var errno = Errno.Last;
            Directory.Delete(Path);
            Assert.Skip($"mount -t cgroup2 failed here: {Errno.Describe(errno)}");
        }
    }

    public string Path { get; }

    public void Dispose()
    {
        Libc.Umount2(Path, 2 /* MNT_DETACH */);
        Directory.Delete(Path);
    }
}
