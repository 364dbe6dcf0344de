using System.IO.Pipes;
using Kata.Container.Interop;
using Kata.Container.Namespaces;
using Kata.Container.Spawn;
using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;

namespace Kata.Container.Tests.Spawn;

/// <summary>The spawn mechanism on its own: posix_spawn with fixed descriptors, and the pid namespace from a
/// dedicated thread.</summary>
public sealed class PosixSpawnerTests
{
    [Fact]
    public async Task DescriptorsArrivePlacedAtTheirNumbersAndSignalsAreDefault()
    {
        RootOnly.Require();
        using var extra = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        using var stdout = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        // The sources are swapped on purpose: the spawner must not clobber one with the other's dup2.
        var pid = PosixSpawner.Spawn("/bin/busybox",
            ["busybox", "sh", "-c", "echo on-three >&3; grep -E '^(SigIgn|SigBlk):' /proc/self/status; ls /proc/self/fd"],
            ["PATH=/bin"],
            [new ChildFileDescriptor(stdout.ClientSafePipeHandle, 1), new ChildFileDescriptor(extra.ClientSafePipeHandle, 3)],
            newSession: true);
        extra.DisposeLocalCopyOfClientHandle();
        stdout.DisposeLocalCopyOfClientHandle();
        using var child = new Kata.Container.Lifecycle.ChildProcessProbe(pid);

        Assert.Equal("on-three\n", await new StreamReader(extra).ReadToEndAsync(TestContext.Current.CancellationToken));
        var lines = (await new StreamReader(stdout).ReadToEndAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("SigBlk:\t0000000000000000", lines[0]);
        Assert.Equal("SigIgn:\t0000000000000000", lines[1]);
        // Above stdio only descriptor 3 and the one ls opens for /proc/self/fd itself: nothing else leaked in.
        Assert.Single(lines.Skip(2).Select(int.Parse), fd => fd > 3);
        Assert.Contains("3", lines.Skip(2));
        Assert.Equal(0, await child.ExitAsync());
    }

    [Fact]
    public async Task ChildOfTheDedicatedThreadIsPid1OfANewPidNamespaceAndTheCallerStaysOutside()
    {
        RootOnly.Require();
        var before = new FileInfo("/proc/thread-self/ns/pid_for_children").LinkTarget;
        using var stdout = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        var pid = DedicatedThread.Run("test-spawn", () =>
        {
            NamespaceEntry.Create(NamespaceType.Pid);
            return PosixSpawner.Spawn("/bin/busybox", ["busybox", "sh", "-c", "echo $$"], [],
                [new ChildFileDescriptor(stdout.ClientSafePipeHandle, 1)], newSession: true);
        });
        stdout.DisposeLocalCopyOfClientHandle();
        using var child = new Kata.Container.Lifecycle.ChildProcessProbe(pid);

        Assert.Equal("1\n", await new StreamReader(stdout).ReadToEndAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await child.ExitAsync());
        Assert.Equal(before, new FileInfo("/proc/thread-self/ns/pid_for_children").LinkTarget);
        Assert.Equal(new FileInfo("/proc/self/ns/pid").LinkTarget, new FileInfo("/proc/thread-self/ns/pid").LinkTarget);
    }

    [Fact]
    public void SpawnOfAMissingExecutableThrowsWithThePath()
    {
        var error = Assert.Throws<SyscallException>(() =>
            PosixSpawner.Spawn("/nonexistent/program", ["program"], [], [], newSession: false));
        Assert.Equal("posix_spawn", error.Call);
        Assert.Equal("/nonexistent/program", error.Path);
        Assert.Equal(2, error.ErrorNumber);
    }
}
