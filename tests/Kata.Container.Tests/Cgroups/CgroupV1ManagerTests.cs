using System.Diagnostics;
using Kata.Container.Cgroups;
using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;

namespace Kata.Container.Tests.Cgroups;

/// <summary>The v1 manager on this host's real v1 hierarchies, with real processes.</summary>
public sealed class CgroupV1ManagerTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Limits_are_written_stats_read_and_destroy_leaves_nothing()
    {
        using var cgroup = new V1TestCgroup();
        using var child = new GatedChild("exec /bin/busybox sleep 60");
        var manager = cgroup.Manager;

        manager.Apply(child.Pid);
        manager.Set(new LinuxResources
        {
            Memory = new LinuxMemory { Limit = 64 * MiB, Swap = 64 * MiB, Reservation = 32 * MiB },
            Cpu = new LinuxCpu { Shares = 512, Quota = 50_000, Period = 100_000, Cpus = "0", Mems = "0" },
            Pids = new LinuxPids { Limit = 32 },
        });
        child.Open();
        // once sleep is exec'd the process has run (and allocated) inside the cgroup
        child.WaitUntilRunning("sleep");

        Assert.Equal((64 * MiB).ToString(), cgroup.ReadFile("memory", "memory.limit_in_bytes"));
        Assert.Equal((64 * MiB).ToString(), cgroup.ReadFile("memory", "memory.memsw.limit_in_bytes"));
        Assert.Equal((32 * MiB).ToString(), cgroup.ReadFile("memory", "memory.soft_limit_in_bytes"));
        Assert.Equal("512", cgroup.ReadFile("cpu", "cpu.shares"));
        Assert.Equal("50000", cgroup.ReadFile("cpu", "cpu.cfs_quota_us"));
        Assert.Equal("100000", cgroup.ReadFile("cpu", "cpu.cfs_period_us"));
        Assert.Equal("0", cgroup.ReadFile("cpuset", "cpuset.cpus"));
        Assert.Equal("32", cgroup.ReadFile("pids", "pids.max"));
        Assert.Contains(child.Pid, manager.GetPids());
        Assert.Contains(child.Pid.ToString(), cgroup.ReadFile("freezer", "cgroup.procs").Split('\n'));

        var stats = manager.GetStats();
        Assert.NotNull(stats.Memory);
        Assert.Equal((ulong)(64 * MiB), stats.Memory.Limit);
        Assert.True(stats.Memory.Usage > 0);
        Assert.Equal(0ul, stats.Memory.OomKills);
        Assert.NotNull(stats.Pids);
        Assert.Equal(32ul, stats.Pids.Limit);
        Assert.InRange(stats.Pids.Current, 1ul, 32ul);
        Assert.NotNull(stats.Cpu);
        Assert.True(stats.Cpu.UsageTotalNanoseconds > 0);
        Assert.NotNull(stats.Io);

        var directories = new[] { "memory", "cpu", "cpuset", "pids", "freezer", "blkio" }.Select(cgroup.Dir).ToList();
        manager.Destroy(killProcesses: true);
        Assert.False(manager.Exists);
        Assert.All(directories, d => Assert.False(Directory.Exists(d), d));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var (exitCode, _) = await child.WaitAsync(timeout.Token);
        Assert.Equal(137, exitCode);
        manager.Destroy(killProcesses: true); // idempotent
    }

    [Fact]
    public void Freeze_stops_the_processes_and_thaw_resumes_them()
    {
        using var cgroup = new V1TestCgroup();
        using var child = new GatedChild("exec /bin/busybox sleep 60");
        cgroup.Manager.Apply(child.Pid);
        child.Open();
        child.WaitUntilRunning("sleep");

        cgroup.Manager.Freeze();
        Assert.Equal(FreezerState.Frozen, cgroup.Manager.GetFreezerState());
        Assert.Equal("FROZEN", cgroup.ReadFile("freezer", "freezer.state"));
        // A task stopped by the v1 freezer sleeps uninterruptibly.
        Assert.StartsWith("D", ProcessState(child.Pid));

        cgroup.Manager.Thaw();
        Assert.Equal(FreezerState.Thawed, cgroup.Manager.GetFreezerState());
        Assert.Equal("THAWED", cgroup.ReadFile("freezer", "freezer.state"));
        Assert.True(SpinWait.SpinUntil(() => !ProcessState(child.Pid).StartsWith('D'), TimeSpan.FromSeconds(10)),
            $"still {ProcessState(child.Pid)} after thaw");
    }

    [Fact]
    public async Task Pids_max_stops_a_fork_loop()
    {
        using var cgroup = new V1TestCgroup();
        using var child = new GatedChild("i=0; while [ $i -lt 20 ]; do /bin/busybox sleep 60 >/dev/null 2>&1 & i=$((i+1)); done; echo forked >&2; exit 0");
        cgroup.Manager.Apply(child.Pid);
        cgroup.Manager.Set(new LinuxResources { Pids = new LinuxPids { Limit = 5 } });
        child.Open();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (_, stderr) = await child.WaitAsync(timeout.Token);
        Assert.Contains("fork", stderr, StringComparison.OrdinalIgnoreCase);
        // the shell has exited; the sleeps it managed to start are all that is left: at most the limit
        var left = cgroup.Manager.GetPids();
        Assert.InRange(left.Count, 1, 5);
        Assert.InRange(cgroup.Manager.GetStats().Pids!.Current, 1ul, 5ul);
    }

    [Fact]
    public async Task An_OOM_kill_is_counted_and_wakes_the_waiter()
    {
        using var cgroup = new V1TestCgroup();
        // dd's 64 MiB block buffer is filled from /dev/zero: every page gets touched
        using var child = new GatedChild("exec /bin/busybox dd if=/dev/zero of=/dev/null bs=64M count=1");
        cgroup.Manager.Apply(child.Pid);
        cgroup.Manager.Set(new LinuxResources { Memory = new LinuxMemory { Limit = 16 * MiB, Swap = 16 * MiB } });
        Assert.Equal(0ul, cgroup.Manager.GetOomKillCount());

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var oom = cgroup.Manager.WaitForOomKillAsync(0, timeout.Token);
        Assert.False(oom.IsCompleted);
        child.Open();

        var (exitCode, _) = await child.WaitAsync(timeout.Token);
        Assert.Equal(137, exitCode);
        Assert.Equal(1ul, await oom);
        Assert.Equal(1ul, cgroup.Manager.GetStats().Memory!.OomKills);
    }

    [Fact]
    public void A_value_the_kernel_refuses_names_the_file_and_value()
    {
        using var cgroup = new V1TestCgroup();
        using var child = new GatedChild("exec /bin/busybox sleep 60");
        cgroup.Manager.Apply(child.Pid);

        var ex = Assert.Throws<CgroupException>(() =>
            cgroup.Manager.Set(new LinuxResources { Cpu = new LinuxCpu { Cpus = "0-" } }));
        Assert.Equal($"writing '0-' to {cgroup.Dir("cpuset")}/cpuset.cpus: Invalid argument", ex.Message);
        Assert.Equal(22, ex.ErrorNumber);

        var period = Assert.Throws<CgroupException>(() =>
            cgroup.Manager.Set(new LinuxResources { Cpu = new LinuxCpu { Period = 1 } }));
        Assert.Equal($"writing '1' to {cgroup.Dir("cpu")}/cpu.cfs_period_us: Invalid argument", period.Message);

        var unified = Assert.Throws<CgroupException>(() => cgroup.Manager.Set(new LinuxResources
        {
            Unified = new Dictionary<string, string> { ["memory.high"] = "1G" },
        }));
        Assert.Contains("needs cgroup v2", unified.Message);
    }

    [Fact]
    public void Device_rules_are_applied_in_order()
    {
        using var cgroup = new V1TestCgroup();
        using var child = new GatedChild("exec /bin/busybox sleep 60");
        cgroup.Manager.Apply(child.Pid);
        cgroup.Manager.Set(new LinuxResources
        {
            Devices =
            [
                new LinuxDeviceCgroup { Allow = false, Access = "rwm" },
                new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
                new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 5, Access = "rw" },
            ],
        });
        Assert.Equal(["c 1:3 rwm", "c 5:* rw"], cgroup.ReadFile("devices", "devices.list").Split('\n'));

        var ex = Assert.Throws<ContainerConfigException>(() => cgroup.Manager.Set(new LinuxResources
        {
            Devices = [new LinuxDeviceCgroup { Allow = true, Type = "x", Access = "rwm" }],
        }));
        Assert.Contains("linux.resources.devices[0].type: 'x'", ex.Message);
    }

    [Fact]
    public void Destroy_without_kill_refuses_a_cgroup_that_still_has_processes()
    {
        using var cgroup = new V1TestCgroup();
        using var child = new GatedChild("exec /bin/busybox sleep 60");
        cgroup.Manager.Apply(child.Pid);

        var ex = Assert.Throws<CgroupException>(() => cgroup.Manager.Destroy(killProcesses: false));
        Assert.Contains(child.Pid.ToString(), ex.Message);
        Assert.True(cgroup.Manager.Exists);
        Assert.False(child.HasExited);
    }

    private static string ProcessState(int pid) =>
        File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("State:", StringComparison.Ordinal))["State:".Length..].Trim();
}
