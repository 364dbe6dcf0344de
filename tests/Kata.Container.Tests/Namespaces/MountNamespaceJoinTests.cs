using Kata.Container.Interop;
using Kata.Container.Namespaces;
using Kata.Container.Spawn;
using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;

namespace Kata.Container.Tests.Namespaces;

/// <summary>The per-thread rule behind exec: setns into a mount namespace needs a thread with its own fs_struct.</summary>
public sealed class MountNamespaceJoinTests
{
    [Fact]
    public void JoiningAContainersMountNamespaceNeedsCloneFsAndStaysOnThatThread()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["sleep", "1000"]);
        var container = harness.Engine.Create("join-mnt", bundle.Directory);
        var path = $"/proc/{container.Pid}/ns/mnt";

        var (withoutCloneFs, rootEntries) = DedicatedThread.Run("test-join-mnt", () =>
        {
            using var file = NamespaceEntry.OpenNamespace(path);
            // Without unshare(CLONE_FS) the thread shares root and cwd with the whole process: setns(2) says EINVAL.
            var plain = Libc.Setns(file.Fd, LinuxConstants.CLONE_NEWNS) < 0 ? Errno.Last : 0;
            NamespaceEntry.Join(NamespaceType.Mount, file, path);
            return (plain, Directory.GetFileSystemEntries("/").Select(Path.GetFileName).ToHashSet());
        });

        Assert.Equal(Errno.EINVAL, withoutCloneFs);
        Assert.Contains("bin", rootEntries);   // the container's root, seen from the joined thread
        Assert.DoesNotContain("usr", rootEntries);
        Assert.True(Directory.Exists("/usr"));  // the rest of the test process is still on the host
        Assert.Equal(new FileInfo("/proc/self/ns/mnt").LinkTarget, new FileInfo("/proc/thread-self/ns/mnt").LinkTarget);
        Assert.NotEqual(new FileInfo(path).LinkTarget, new FileInfo("/proc/thread-self/ns/mnt").LinkTarget);

        harness.Engine.Delete("join-mnt", force: true);
    }
}
