using Kata.Container.Tests.Infrastructure;

namespace Kata.Container.Tests.Lifecycle;

/// <summary>What a container sees of itself and of the host, on real namespaces and mounts (root).</summary>
public sealed class ContainerIsolationTests
{
    [Fact]
    public async Task ContainerProcessIsPid1WithItsOwnNamespacesHostnameAndProc()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var run = await harness.RunAsync("isolation-pid1",
            ["sh", "-c", "echo $$; hostname; for ns in pid mnt uts ipc net cgroup; do readlink /proc/self/ns/$ns; done; cat /proc/1/cmdline | wc -c"],
            spec => spec with { Hostname = "box-under-test" });

        Assert.Equal(0, run.ExitStatus);
        var lines = run.Lines;
        Assert.Equal("1", lines[0]);
        Assert.Equal("box-under-test", lines[1]);
        var namespaces = new[] { "pid", "mnt", "uts", "ipc", "net", "cgroup" };
        for (var i = 0; i < namespaces.Length; i++)
        {
            var host = new FileInfo($"/proc/self/ns/{namespaces[i]}").LinkTarget;
            Assert.StartsWith(namespaces[i] + ":[", lines[2 + i]);
            Assert.NotEqual(host, lines[2 + i]);
        }
        Assert.NotEqual("0", lines[8]); // /proc is mounted and shows the container's own PID 1
    }

    [Fact]
    public async Task ContainerCannotSeeHostFilesOutsideItsRootfs()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var hostOnly = Directory.CreateTempSubdirectory("kata-engine-host-only-").FullName;
        try
        {
            var run = await harness.RunAsync("isolation-host-files",
                ["sh", "-c", $"test -e {hostOnly} && echo visible || echo hidden; ls /; cut -d' ' -f5 /proc/self/mountinfo | grep -c '^/$'"]);

            Assert.Equal(0, run.ExitStatus);
            Assert.Equal("hidden", run.Lines[0]);
            Assert.DoesNotContain(run.Lines, line => line == "usr" || line == "home" || line == "root");
            Assert.Equal("1", run.Lines[^1]); // exactly one root mount: the old root is gone
        }
        finally
        {
            Directory.Delete(hostOnly);
        }
    }

    [Fact]
    public async Task ReadonlyRootRefusesWritesWhileTmpfsMountsStayWritable()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var run = await harness.RunAsync("isolation-readonly",
            ["sh", "-c", "touch /written 2>/dev/null && echo root-writable || echo root-refused; touch /dev/shm/x && echo shm-writable"]);

        Assert.Equal(["root-refused", "shm-writable"], run.Lines);
    }

    [Fact]
    public async Task MaskedPathsAreEmptyAndReadonlyPathsRefuseWrites()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var run = await harness.RunAsync("isolation-masked",
            ["sh", "-c", "ls /secret | wc -l; wc -c < /proc/timer_list; echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo sys-writable || echo sys-refused"],
            spec => spec with { Linux = spec.Linux! with { MaskedPaths = [.. spec.Linux!.MaskedPaths!, "/secret"] } },
            prepare: rootfs =>
            {
                Directory.CreateDirectory(Path.Combine(rootfs, "secret"));
                File.WriteAllText(Path.Combine(rootfs, "secret/data"), "hidden");
            });

        Assert.Equal(["0", "0", "sys-refused"], run.Lines);
    }

    [Fact]
    public async Task SysctlDomainnameAndDevicesAreSetUp()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var run = await harness.RunAsync("isolation-sysctl",
            ["sh", "-c", "cat /proc/sys/net/ipv4/ip_forward; cat /proc/sys/kernel/domainname; test -c /dev/mynull && echo mynull; test -c /dev/null && echo null; readlink /dev/fd; readlink /dev/ptmx; echo hi > /dev/null && echo wrote-null"],
            spec => spec with
            {
                Domainname = "example.test",
                Linux = spec.Linux! with
                {
                    Sysctl = new Dictionary<string, string> { ["net.ipv4.ip_forward"] = "1" },
                    Devices = [new Kata.Oci.Spec.LinuxDevice { Path = "/dev/mynull", Type = "c", Major = 1, Minor = 3, FileMode = 0x1b6 }],
                },
            });

        Assert.Equal(0, run.ExitStatus);
        Assert.Equal(["1", "example.test", "mynull", "null", "/proc/self/fd", "pts/ptmx", "wrote-null"], run.Lines);
    }

    [Fact]
    public async Task CgroupFilesystemFollowsTheHostVersionReadOnly()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var hostIsV2 = Kata.Container.Rootfs.MountInfo.Read().Any(e => e.MountPoint == "/sys/fs/cgroup" && e.FileSystemType == "cgroup2");
        var run = await harness.RunAsync("isolation-cgroupfs",
            ["sh", "-c", "test -e /sys/fs/cgroup/cgroup.controllers && echo v2 || echo v1; test -d /sys/fs/cgroup/pids && echo pids-dir; mkdir /sys/fs/cgroup/x 2>/dev/null && echo writable || echo read-only"]);

        Assert.Equal(0, run.ExitStatus);
        Assert.Equal(hostIsV2 ? "v2" : "v1", run.Lines[0]);
        if (!hostIsV2)
        {
            Assert.Equal("pids-dir", run.Lines[1]); // one mount per v1 hierarchy, as runc does
        }
        Assert.Equal("read-only", run.Lines[^1]);
    }
}
