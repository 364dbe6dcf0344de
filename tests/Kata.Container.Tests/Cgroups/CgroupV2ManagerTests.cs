using Kata.Container.Cgroups;
using Kata.Container.Cgroups.V2;
using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;

namespace Kata.Container.Tests.Cgroups;

/// <summary>
/// The v2 manager: for real on a cgroup2 mount (core files only: this host's controllers are bound to v1), and on a
/// FAKE cgroup tree of ordinary files for the controller files and stats parsing.
/// </summary>
public sealed class CgroupV2ManagerTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Real_cgroup2_create_join_freeze_kill_and_destroy()
    {
        using var mount = new Cgroup2Mount();
        using var child = new GatedChild("exec /bin/busybox sleep 60");
        var manager = new CgroupV2Manager("kata-style-test-" + Guid.NewGuid().ToString("N")[..12] + "/ctr", mount.Path, "/", Serilog.Core.Logger.None);
        var parent = Path.GetDirectoryName(manager.Directory)!;
        // Apply enables the root's controllers for its children (as runc does); the root is shared with the host's
        // /sys/fs/cgroup/unified, so the test puts it back.
        var rootSubtree = File.ReadAllText(Path.Combine(mount.Path, "cgroup.subtree_control")).Split(' ', '\n');
        try
        {
            manager.Apply(child.Pid);
            child.Open();
            Assert.True(manager.Exists);
            Assert.Equal([child.Pid], manager.GetPids());
            Assert.Contains(File.ReadAllLines($"/proc/{child.Pid}/cgroup"), l => l == "0::" + manager.CgroupPath);
            // every controller the root offers was enabled down to the container's cgroup
            var offered = File.ReadAllText(Path.Combine(mount.Path, "cgroup.controllers")).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries);
            var own = File.ReadAllText(Path.Combine(manager.Directory, "cgroup.controllers")).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(offered.Order(), own.Order());

            manager.Freeze();
            Assert.Equal(FreezerState.Frozen, manager.GetFreezerState());
            Assert.Contains("frozen 1", File.ReadAllText(Path.Combine(manager.Directory, "cgroup.events")));
            manager.Thaw();
            Assert.Equal(FreezerState.Thawed, manager.GetFreezerState());

            // pids is bound to a v1 hierarchy here, so the unified hierarchy cannot offer it
            var ex = Assert.Throws<CgroupException>(() => manager.Set(new LinuxResources { Pids = new LinuxPids { Limit = 10 } }));
            Assert.Contains("pids controller is not enabled", ex.Message);
            Assert.Contains("cgroup.controllers:", ex.Message);
            Assert.Equal(0ul, manager.GetOomKillCount());
            Assert.NotNull(manager.GetStats().Cpu); // cpu.stat is a core file on v2

            manager.Destroy(killProcesses: true);
            Assert.False(manager.Exists);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.Equal(137, (await child.WaitAsync(timeout.Token)).ExitCode);
        }
        finally
        {
            manager.Destroy(killProcesses: true);
            if (Directory.Exists(parent))
            {
                Directory.Delete(parent);
            }
            var added = File.ReadAllText(Path.Combine(mount.Path, "cgroup.subtree_control"))
                .Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries).Except(rootSubtree);
            foreach (var controller in added)
            {
                File.WriteAllText(Path.Combine(mount.Path, "cgroup.subtree_control"), "-" + controller);
            }
        }
    }

    private static (FakeCgroupTree Tree, CgroupV2Manager Manager) FakeContainer()
    {
        var tree = new FakeCgroupTree();
        tree.Add("", ("cgroup.controllers", "cpuset cpu io memory pids\n"), ("cgroup.subtree_control", ""));
        tree.Add("pod/ctr",
            ("cgroup.controllers", "cpuset cpu io memory pids\n"), ("cgroup.procs", ""),
            ("cpu.weight", "100"), ("cpu.max", "max 100000"), ("cpu.max.burst", "0"), ("cpu.idle", "0"),
            ("cpuset.cpus", ""), ("cpuset.mems", ""),
            ("memory.max", "max"), ("memory.swap.max", "max"), ("memory.low", "0"), ("memory.high", "max"),
            ("pids.max", "max"), ("io.weight", "default 100"), ("io.max", ""));
        return (tree, new CgroupV2Manager("/pod/ctr", tree.Root, "/", Serilog.Core.Logger.None));
    }

    [Fact]
    public void Fake_tree_Set_converts_OCI_resources_to_v2_files()
    {
        var (tree, manager) = FakeContainer();
        using (tree)
        {
            manager.Set(new LinuxResources
            {
                Cpu = new LinuxCpu { Shares = 1024, Quota = 50_000, Period = 100_000, Burst = 1000, Cpus = "0-1", Mems = "0" },
                Memory = new LinuxMemory { Limit = 128 * MiB, Swap = 256 * MiB, Reservation = 64 * MiB },
                Pids = new LinuxPids { Limit = -1 },
                BlockIo = new LinuxBlockIo
                {
                    Weight = 500,
                    ThrottleReadBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 1048576 }],
                },
                Unified = new Dictionary<string, string> { ["memory.high"] = "100M" },
            });
            Assert.Equal("39", tree.Read("pod/ctr", "cpu.weight"));
            Assert.Equal("50000 100000", tree.Read("pod/ctr", "cpu.max"));
            Assert.Equal("1000", tree.Read("pod/ctr", "cpu.max.burst"));
            Assert.Equal("0-1", tree.Read("pod/ctr", "cpuset.cpus"));
            Assert.Equal("0", tree.Read("pod/ctr", "cpuset.mems"));
            Assert.Equal((128 * MiB).ToString(), tree.Read("pod/ctr", "memory.max"));
            Assert.Equal((128 * MiB).ToString(), tree.Read("pod/ctr", "memory.swap.max")); // 256M memory+swap - 128M
            Assert.Equal((64 * MiB).ToString(), tree.Read("pod/ctr", "memory.low"));
            Assert.Equal("max", tree.Read("pod/ctr", "pids.max"));
            Assert.Equal("default 4950", tree.Read("pod/ctr", "io.weight"));
            Assert.Equal("8:0 rbps=1048576", tree.Read("pod/ctr", "io.max"));
            Assert.Equal("100M", tree.Read("pod/ctr", "memory.high"));
        }
    }

    [Fact]
    public void Fake_tree_unlimited_values_and_cpu_max_without_quota()
    {
        var (tree, manager) = FakeContainer();
        using (tree)
        {
            manager.Set(new LinuxResources
            {
                Cpu = new LinuxCpu { Quota = -1, Period = 250_000 },
                Memory = new LinuxMemory { Limit = -1 },
                Pids = new LinuxPids { Limit = 100 },
            });
            Assert.Equal("max 250000", tree.Read("pod/ctr", "cpu.max"));
            Assert.Equal("max", tree.Read("pod/ctr", "memory.max"));
            Assert.Equal("max", tree.Read("pod/ctr", "memory.swap.max"));
            Assert.Equal("100", tree.Read("pod/ctr", "pids.max"));
        }
    }

    [Theory]
    [InlineData("../memory.max", "must be a file name")]
    [InlineData("memoryhigh", "CONTROLLER.PARAMETER")]
    [InlineData("cgroup.procs", "managed by the runtime")]
    [InlineData("cgroup.freeze", "managed by the runtime")]
    public void Fake_tree_unified_keys_are_validated_before_anything_is_written(string key, string message)
    {
        var (tree, manager) = FakeContainer();
        using (tree)
        {
            var ex = Assert.Throws<ContainerConfigException>(() => manager.Set(new LinuxResources
            {
                Unified = new Dictionary<string, string> { ["memory.high"] = "1G", [key] = "1" },
            }));
            Assert.Contains($"linux.resources.unified[\"{key}\"]", ex.Message);
            Assert.Contains(message, ex.Message);
            Assert.Equal("max", tree.Read("pod/ctr", "memory.high"));
        }
    }

    [Fact]
    public void Fake_tree_unified_key_of_an_unavailable_controller_or_missing_file_is_refused()
    {
        var (tree, manager) = FakeContainer();
        using (tree)
        {
            var controller = Assert.Throws<CgroupException>(() => manager.Set(new LinuxResources
            {
                Unified = new Dictionary<string, string> { ["hugetlb.2MB.max"] = "0" },
            }));
            Assert.Contains("hugetlb controller is not available", controller.Message);

            var missing = Assert.Throws<CgroupException>(() => manager.Set(new LinuxResources
            {
                Unified = new Dictionary<string, string> { ["memory.no_such_file"] = "1" },
            }));
            Assert.Contains("memory.no_such_file does not exist", missing.Message);
        }
    }

    [Fact]
    public void Fake_tree_stats_are_parsed_from_v2_files()
    {
        var (tree, manager) = FakeContainer();
        using (tree)
        {
            tree.Add("pod/ctr",
                ("cpu.stat", "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 10\nnr_throttled 4\nthrottled_usec 700\n"),
                ("memory.current", "1048576\n"), ("memory.peak", "2097152\n"), ("memory.max", "4194304\n"),
                ("memory.stat", "anon 524288\nfile 262144\nkernel 4096\n"), ("memory.swap.current", "0\n"),
                ("memory.swap.max", "max\n"), ("memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\noom_group_kill 0\n"),
                ("pids.current", "3\n"), ("pids.max", "max\n"),
                ("io.stat", "8:0 rbytes=90112 wbytes=4096 rios=3 wios=1 dbytes=0 dios=0\n253:1 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n"));

            var stats = manager.GetStats();
            Assert.Equal(new Container.Cgroups.Stats.CpuStats(5_000_000, 3_000_000, 2_000_000, 10, 4, 700_000), stats.Cpu);
            Assert.NotNull(stats.Memory);
            Assert.Equal(1048576ul, stats.Memory.Usage);
            Assert.Equal(2097152ul, stats.Memory.MaxUsage);
            Assert.Equal(4194304ul, stats.Memory.Limit);
            Assert.Equal(524288ul, stats.Memory.Rss);
            Assert.Equal(262144ul, stats.Memory.Cache);
            Assert.Equal(ulong.MaxValue, stats.Memory.SwapLimit);
            Assert.Equal(2ul, stats.Memory.OomKills);
            Assert.Equal(4096ul, stats.Memory.Raw["kernel"]);
            Assert.Equal(new Container.Cgroups.Stats.PidsStats(3, ulong.MaxValue), stats.Pids);
            Assert.NotNull(stats.Io);
            Assert.Equal(
                [new(8, 0, 90112, 4096, 3, 1), new(253, 1, 1, 2, 3, 4)],
                stats.Io.Devices);
            Assert.Equal(2ul, manager.GetOomKillCount());
        }
    }

    [Fact]
    public async Task Fake_tree_OOM_waiter_wakes_on_memory_events_changes_and_can_be_cancelled()
    {
        var (tree, manager) = FakeContainer();
        using (tree)
        {
            var events = Path.Combine(tree.Root, "pod/ctr/memory.events");
            File.WriteAllText(events, "oom 0\noom_kill 0\n");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var waiter = manager.WaitForOomKillAsync(0, timeout.Token);
            // a change that is no OOM kill does not complete it
            File.WriteAllText(events, "oom 1\noom_kill 0\n");
            Assert.False(waiter.IsCompleted);
            File.WriteAllText(events, "oom 2\noom_kill 1\n");
            Assert.Equal(1ul, await waiter);

            using var cancel = new CancellationTokenSource();
            var pending = manager.WaitForOomKillAsync(1, cancel.Token);
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        }
    }

    [Fact]
    public void Fake_tree_malformed_stat_file_names_the_file()
    {
        var (tree, manager) = FakeContainer();
        using (tree)
        {
            tree.Add("pod/ctr", ("cpu.stat", "usage_usec lots\n"));
            var ex = Assert.Throws<CgroupException>(() => manager.GetStats());
            Assert.Contains("pod/ctr/cpu.stat", ex.Message);
            Assert.Contains("'lots' is not a number", ex.Message);
        }
    }

    [Theory]
    [InlineData(2ul, 1ul)]
    [InlineData(1024ul, 39ul)]
    [InlineData(262144ul, 10000ul)]
    public void Cpu_shares_convert_to_weight_with_runcs_formula(ulong shares, ulong weight) =>
        Assert.Equal(weight, CpuV2Controller.SharesToWeight(shares));

    [Theory]
    [InlineData(0L, -1L, -1L)]
    [InlineData(-1L, 100L, -1L)]
    [InlineData(0L, 100L, 0L)]
    [InlineData(300L, 100L, 200L)]
    [InlineData(100L, 100L, 0L)]
    public void Swap_is_memory_plus_swap_in_OCI_and_swap_alone_in_v2(long swap, long memory, long expected) =>
        Assert.Equal(expected, MemoryV2Controller.SwapMax(swap, memory));

    [Theory]
    [InlineData(300L, 0L, "needs a memory limit")]
    [InlineData(50L, 100L, "below the memory limit")]
    public void Impossible_swap_settings_are_config_errors(long swap, long memory, string message)
    {
        var ex = Assert.Throws<ContainerConfigException>(() => MemoryV2Controller.SwapMax(swap, memory));
        Assert.Contains("linux.resources.memory", ex.Message);
        Assert.Contains(message, ex.Message);
    }
}
