using Kata.Container.Interop;
using Kata.Container.Lifecycle;
using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;
using Kata.Oci.State;

namespace Kata.Container.Tests.Lifecycle;

/// <summary>create / start / kill / wait / exec / delete on real containers.</summary>
public sealed class ContainerLifecycleTests
{
    [Fact]
    public async Task ExitCodeIsPassedBack()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var run = await harness.RunAsync("lifecycle-exit7", ["sh", "-c", "exit 7"]);
        Assert.Equal(7, run.ExitStatus);
    }

    [Fact]
    public async Task ContainerThatExitsAtOnceIsStoppedAndDeletable()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["true"]);
        var container = harness.Engine.Create("lifecycle-true", bundle.Directory);
        Assert.Equal(ContainerStatus.Created, container.Status);
        harness.Engine.Start("lifecycle-true");
        Assert.Equal(0, await harness.Engine.WaitAsync("lifecycle-true", TestContext.Current.CancellationToken));
        await WaitForStatus(container, ContainerStatus.Stopped);
        Assert.Throws<InvalidContainerStateException>(() => harness.Engine.Start("lifecycle-true"));
        harness.Engine.Delete("lifecycle-true");
        Assert.Throws<ContainerNotFoundException>(() => harness.Engine.Get("lifecycle-true"));
    }

    [Fact]
    public async Task SignalledContainerReports128PlusSignal()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["sleep", "1000"]);
        harness.Engine.Create("lifecycle-kill", bundle.Directory);
        harness.Engine.Start("lifecycle-kill");
        Assert.Throws<InvalidContainerStateException>(() => harness.Engine.Delete("lifecycle-kill"));
        harness.Engine.Kill("lifecycle-kill", 9);
        Assert.Equal(137, await harness.Engine.WaitAsync("lifecycle-kill", TestContext.Current.CancellationToken));
        harness.Engine.Delete("lifecycle-kill");
    }

    [Fact]
    public async Task ExecJoinsTheRunningContainersNamespaces()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["sleep", "1000"], spec => spec with { Hostname = "exec-target" });
        var container = harness.Engine.Create("lifecycle-exec", bundle.Directory);
        harness.Engine.Start("lifecycle-exec");

        using var output = new OutputCapture();
        var process = harness.Engine.Exec("lifecycle-exec",
            bundle.Spec.Process! with { Args = ["sh", "-c", "hostname; cat /proc/1/cmdline; echo; readlink /proc/self/ns/mnt; readlink /proc/self/ns/net; id -u"], User = new ProcessUser { Uid = 42, Gid = 42 } },
            output.Stdio);
        output.ReleaseWriters();
        Assert.Equal(0, await process.WaitAsync(TestContext.Current.CancellationToken));
        var lines = (await output.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("exec-target", lines[0]);
        Assert.Equal("sleep\u00001000\u0000", lines[1]); // PID 1 of the pid namespace it sees is the container's init
        Assert.Equal(new FileInfo($"/proc/{container.Pid}/ns/mnt").LinkTarget, lines[2]);
        Assert.Equal(new FileInfo($"/proc/{container.Pid}/ns/net").LinkTarget, lines[3]);
        Assert.Equal("42", lines[4]);

        harness.Engine.Delete("lifecycle-exec", force: true);
    }

    [Fact]
    public async Task DeleteLeavesNoMountProcessOrState()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["sleep", "1000"]);
        var container = harness.Engine.Create("lifecycle-delete", bundle.Directory);
        harness.Engine.Start("lifecycle-delete");
        var exec = harness.Engine.Exec("lifecycle-delete", bundle.Spec.Process! with { Args = ["sleep", "1000"] });
        var pids = new[] { container.Pid, exec.Pid };
        var cgroup = Assert.IsAssignableFrom<Kata.Container.Cgroups.ICgroupManager>(container.Cgroup);
        Assert.True(cgroup.Exists);
        Assert.Contains(exec.Pid, cgroup.GetPids()); // exec'd processes join the container's cgroup

        harness.Engine.Delete("lifecycle-delete", force: true);

        Assert.False(cgroup.Exists);
        Assert.True(exec.HasExited);
        foreach (var pid in pids)
        {
            Assert.False(Directory.Exists($"/proc/{pid}"), $"pid {pid} is still there after delete");
        }
        Assert.Empty(Directory.GetFileSystemEntries(harness.StateRoot));
        Assert.DoesNotContain(bundle.Directory, File.ReadAllText("/proc/self/mountinfo"));
        await Task.CompletedTask;
    }

    [Fact]
    public void MissingBinaryFailsCreateClearlyAndLeavesNothingBehind()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["/bin/no-such-program", "arg"]);

        var error = Assert.Throws<ContainerConfigException>(() => harness.Engine.Create("lifecycle-missing", bundle.Directory));

        Assert.Contains("/bin/no-such-program", error.Message);
        Assert.Contains("does not exist", error.Message);
        Assert.Empty(harness.Engine.List());
        Assert.Empty(Directory.GetFileSystemEntries(harness.StateRoot));
        Assert.DoesNotContain(bundle.Directory, File.ReadAllText("/proc/self/mountinfo"));
    }

    [Fact]
    public async Task ExecveFailureAtStartIsReportedAndTheContainerStops()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["/bin/not-executable"]);
        File.WriteAllText(Path.Combine(bundle.Rootfs, "bin/not-executable"), "plain text");
        harness.Engine.Create("lifecycle-noexec", bundle.Directory);

        var error = Assert.Throws<ContainerException>(() => harness.Engine.Start("lifecycle-noexec"));

        Assert.Contains("execve", error.Message);
        Assert.Contains("/bin/not-executable", error.Message);
        Assert.Equal(13, Assert.IsType<SyscallException>(error.InnerException).ErrorNumber); // EACCES
        Assert.Equal(1, await harness.Engine.WaitAsync("lifecycle-noexec", TestContext.Current.CancellationToken));
        harness.Engine.Delete("lifecycle-noexec");
        Assert.Empty(Directory.GetFileSystemEntries(harness.StateRoot));
    }

    [Fact]
    public async Task KillAllReachesEveryProcessInThePidNamespace()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["sleep", "1000"]);
        var container = harness.Engine.Create("lifecycle-killall", bundle.Directory);
        harness.Engine.Start("lifecycle-killall");
        var exec = harness.Engine.Exec("lifecycle-killall", bundle.Spec.Process! with { Args = ["sleep", "1000"] });

        // SIGUSR1 terminates a process with the default disposition, but the kernel does not deliver it from an
        // ancestor namespace to the namespace's init, which has no handler: only the exec'd process dies.
        harness.Engine.Kill("lifecycle-killall", 10, all: true);
        Assert.Equal(128 + 10, await exec.WaitAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Kata.Oci.State.ContainerStatus.Running, container.Status);

        harness.Engine.Kill("lifecycle-killall", 9, all: true);
        Assert.Equal(137, await harness.Engine.WaitAsync("lifecycle-killall", TestContext.Current.CancellationToken));
        harness.Engine.Delete("lifecycle-killall");
    }

    [Fact]
    public void BadConfigIsRefusedBeforeAnythingStarts()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var userNs = new BusyboxBundle(["true"], spec => spec with
        {
            Linux = spec.Linux! with
            {
                Namespaces = [.. spec.Linux!.Namespaces!, new LinuxNamespace { Type = NamespaceType.User }],
                UidMappings = [new IdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }],
                GidMappings = [new IdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }],
            },
        });
        var notSupported = Assert.Throws<NotSupportedException>(() => harness.Engine.Create("bad-userns", userNs.Directory));
        Assert.Contains("user namespaces", notSupported.Message);

        using var badPropagation = new BusyboxBundle(["true"], spec => spec with { Linux = spec.Linux! with { RootfsPropagation = "sideways" } });
        var propagation = Assert.ThrowsAny<Exception>(() => harness.Engine.Create("bad-propagation", badPropagation.Directory));
        Assert.Contains("sideways", propagation.Message);

        using var badCap = new BusyboxBundle(["true"], spec => spec with
        {
            Process = spec.Process! with { Capabilities = new LinuxCapabilities { Bounding = ["CAP_MAKE_COFFEE"] } },
        });
        var config = Assert.Throws<SpecValidationException>(() => harness.Engine.Create("bad-cap", badCap.Directory));
        Assert.Contains("CAP_MAKE_COFFEE", config.Message);

        using var badDevice = new BusyboxBundle(["true"], spec => spec with
        {
            Linux = spec.Linux! with { Devices = [new LinuxDevice { Path = "/etc/not-a-dev-path", Type = "c", Major = 1, Minor = 3 }] },
        });
        var device = Assert.ThrowsAny<Exception>(() => harness.Engine.Create("bad-device", badDevice.Directory));
        Assert.Contains("/etc/not-a-dev-path", device.Message);
        Assert.Empty(harness.Engine.List());
        Assert.Empty(Directory.GetFileSystemEntries(harness.StateRoot));
    }

    [Fact]
    public async Task NoPivotRootFallbackIsolatesTheRootfsAndExecFindsIt()
    {
        RootOnly.Require();
        using var harness = new EngineHarness(noPivotRoot: true);
        using var bundle = new BusyboxBundle(["sleep", "1000"]);
        var container = harness.Engine.Create("lifecycle-nopivot", bundle.Directory);
        Assert.Contains(container.Warnings, w => w.Contains("MS_MOVE"));
        harness.Engine.Start("lifecycle-nopivot");

        using var output = new OutputCapture();
        var process = harness.Engine.Exec("lifecycle-nopivot",
            bundle.Spec.Process! with { Args = ["sh", "-c", "test -e /usr/bin && echo host-visible || echo host-hidden; test -x /bin/busybox && echo own-rootfs; grep -c ' /proc/sys ' /proc/self/mountinfo"] },
            output.Stdio);
        output.ReleaseWriters();
        Assert.Equal(0, await process.WaitAsync(TestContext.Current.CancellationToken));

        // The container's own /proc, with its read-only /proc/sys, and none of the host's mounts.
        Assert.Equal(["host-hidden", "own-rootfs", "1"], (await output.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        harness.Engine.Delete("lifecycle-nopivot", force: true);
    }

    [Fact]
    public void CreatedButNeverStartedContainerIsForceDeletedCleanly()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["true"]);
        var container = harness.Engine.Create("lifecycle-created", bundle.Directory);
        var pid = container.Pid;
        Assert.True(Directory.Exists($"/proc/{pid}"));

        Assert.Throws<InvalidContainerStateException>(() => harness.Engine.Delete("lifecycle-created"));
        harness.Engine.Delete("lifecycle-created", force: true);

        Assert.False(Directory.Exists($"/proc/{pid}"));
        Assert.Empty(Directory.GetFileSystemEntries(harness.StateRoot));
        Assert.Throws<ContainerNotFoundException>(() => harness.Engine.Start("lifecycle-created"));
    }

    [Fact]
    public async Task NamespaceGivenByPathIsJoined()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var holderBundle = new BusyboxBundle(["sleep", "1000"]);
        var holder = harness.Engine.Create("join-holder", holderBundle.Directory);
        harness.Engine.Start("join-holder");
        var netPath = $"/proc/{holder.Pid}/ns/net";
        var utsPath = $"/proc/{holder.Pid}/ns/uts";

        var run = await harness.RunAsync("join-guest", ["sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/uts; readlink /proc/self/ns/ipc"],
            spec => spec with
            {
                Hostname = null,
                Linux = spec.Linux! with
                {
                    Namespaces = spec.Linux!.Namespaces!.Select(n => n.Type switch
                    {
                        NamespaceType.Network => n with { Path = netPath },
                        NamespaceType.Uts => n with { Path = utsPath },
                        _ => n,
                    }).ToList(),
                },
            });

        Assert.Equal(new FileInfo(netPath).LinkTarget, run.Lines[0]);
        Assert.Equal(new FileInfo(utsPath).LinkTarget, run.Lines[1]);
        Assert.NotEqual(new FileInfo($"/proc/{holder.Pid}/ns/ipc").LinkTarget, run.Lines[2]);
        harness.Engine.Delete("join-holder", force: true);
    }

    private static async Task WaitForStatus(ContainerInstance container, ContainerStatus status)
    {
        // The stopped status is set by the reaper's continuation right after the exit; give it its turn.
        for (var i = 0; i < 1000 && container.Status != status; i++)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
        Assert.Equal(status, container.Status);
    }
}
