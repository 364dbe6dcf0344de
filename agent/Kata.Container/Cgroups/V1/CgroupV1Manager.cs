using System.Globalization;
using Kata.Container.Cgroups.Stats;
using Kata.Oci.Spec;
using Serilog;

namespace Kata.Container.Cgroups.V1;

/// <summary>
/// A container's cgroup on cgroup v1: one directory per mounted controller hierarchy (co-mounted controllers such
/// as cpu,cpuacct share one), each controller's files written by its own class.
/// </summary>
public sealed class CgroupV1Manager : ICgroupManager
{
    private readonly ILogger _logger;
    private readonly List<(ICgroupV1Controller Controller, string MountPoint, string Directory)> _mounted = [];
    private readonly List<ICgroupV1Controller> _unmounted = [];
    private readonly Dictionary<string, string> _directories = new(StringComparer.Ordinal);

    /// <param name="cgroupPath">A path from <see cref="CgroupPathResolver.Normalize"/> (absolute, or relative to our own cgroup).</param>
    public CgroupV1Manager(string cgroupPath, CgroupV1Hierarchies hierarchies, ILogger logger)
    {
        _logger = logger.ForContext<CgroupV1Manager>();
        ICgroupV1Controller[] controllers =
        [
            new CpuV1Controller(), new CpuacctV1Controller(), new CpusetV1Controller(), new MemoryV1Controller(),
            new PidsV1Controller(), new BlkioV1Controller(), new FreezerV1Controller(), new DevicesV1Controller(),
        ];
        foreach (var controller in controllers)
        {
            if (!hierarchies.MountPoints.TryGetValue(controller.Subsystem, out var mountPoint))
            {
                _unmounted.Add(controller);
                continue;
            }
            var own = hierarchies.OwnCgroups.GetValueOrDefault(controller.Subsystem, "/");
            var path = CgroupPathResolver.Resolve(cgroupPath, own);
            var directory = CgroupPathResolver.Directory(mountPoint, path);
            _mounted.Add((controller, mountPoint, directory));
            _directories[controller.Subsystem] = directory;
            if (CgroupPath.Length == 0)
            {
                CgroupPath = path;
            }
        }
        if (_mounted.Count == 0)
        {
            throw new CgroupException("no cgroup v1 controller hierarchy is mounted (see /proc/self/mountinfo)");
        }
    }

    public CgroupVersion Version => CgroupVersion.V1;

    /// <summary>The path in the first mounted hierarchy (a relative spec path can differ per hierarchy).</summary>
    public string CgroupPath { get; } = "";

    public bool Exists => _directories.Values.Any(Directory.Exists);

    /// <summary>The directory of one controller's hierarchy, or null when it is not mounted.</summary>
    public string? DirectoryOf(string subsystem) => _directories.GetValueOrDefault(subsystem);

    public void Apply(int pid)
    {
        foreach (var (controller, mountPoint, directory) in Distinct())
        {
            controller.Create(mountPoint, directory);
        }
        AddProcess(pid);
        _logger.Debug("cgroup v1 {Path} created, pid {Pid} added", CgroupPath, pid);
    }

    public void AddProcess(int pid)
    {
        foreach (var (_, _, directory) in Distinct())
        {
            CgroupFiles.Write(directory, "cgroup.procs", pid.ToString(CultureInfo.InvariantCulture));
        }
    }

    public void Set(LinuxResources resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        if (resources.Unified is { Count: > 0 })
        {
            throw new CgroupException(
                $"linux.resources.unified ({string.Join(", ", resources.Unified.Keys)}) needs cgroup v2; this host's cgroups are v1");
        }
        RefuseUnsupported(resources);
        foreach (var controller in _unmounted.Where(c => c.IsRequested(resources)))
        {
            throw new CgroupException(
                $"linux.resources asks for {controller.Subsystem} limits but no {controller.Subsystem} cgroup hierarchy is mounted");
        }
        foreach (var (controller, _, directory) in _mounted)
        {
            controller.Set(directory, resources);
        }
    }

    public CgroupStats GetStats()
    {
        CpuStats? cpu = null;
        if (DirectoryOf("cpuacct") is { } cpuacct && Directory.Exists(cpuacct))
        {
            var (total, user, system) = CpuacctV1Controller.ReadUsage(cpuacct);
            var (periods, throttled, throttledTime) = DirectoryOf("cpu") is { } cpuDir ? CpuV1Controller.ReadThrottling(cpuDir) : (0, 0, 0);
            cpu = new CpuStats(total, user, system, periods, throttled, throttledTime);
        }
        return new CgroupStats(
            cpu,
            DirectoryOf("memory") is { } memory ? MemoryV1Controller.ReadStats(memory) : null,
            DirectoryOf("pids") is { } pids ? PidsV1Controller.ReadStats(pids) : null,
            DirectoryOf("blkio") is { } blkio ? BlkioV1Controller.ReadStats(blkio) : null);
    }

    public void Freeze() => FreezerV1Controller.Freeze(Require("freezer"));

    public void Thaw() => FreezerV1Controller.Thaw(Require("freezer"));

    public FreezerState GetFreezerState() => FreezerV1Controller.ReadState(Require("freezer"));

    public IReadOnlyList<int> GetPids() => CgroupDirectories.ReadProcsRecursive(ProcessListDirectory());

    public ulong GetOomKillCount() => MemoryV1Controller.ReadOomKillCount(Require("memory"));

    public Task<ulong> WaitForOomKillAsync(ulong seenCount, CancellationToken cancellationToken)
    {
        var memory = Require("memory");
        var eventFd = MemoryV1Controller.RegisterOomEventFd(memory);
        return OomEventWaiter.WaitAsync(eventFd, () => MemoryV1Controller.ReadOomKillCount(memory), seenCount, cancellationToken);
    }

    public void Destroy(bool killProcesses)
    {
        if (!Exists)
        {
            return;
        }
        var processes = ProcessListDirectory();
        if (killProcesses)
        {
            // Frozen tasks cannot act on SIGKILL: thaw first.
            if (DirectoryOf("freezer") is { } freezer && Directory.Exists(freezer) && FreezerV1Controller.ReadState(freezer) != FreezerState.Thawed)
            {
                FreezerV1Controller.Thaw(freezer);
            }
            CgroupDirectories.KillAll(processes);
        }
        else if (CgroupDirectories.ReadProcsRecursive(processes) is { Count: > 0 } left)
        {
            throw new CgroupException($"cgroup {CgroupPath} still has processes ({string.Join(", ", left.Take(10))}); not removed", processes);
        }
        foreach (var (_, _, directory) in Distinct())
        {
            CgroupDirectories.RemoveTree(directory);
        }
        _logger.Debug("cgroup v1 {Path} removed", CgroupPath);
    }

    private static void RefuseUnsupported(LinuxResources resources)
    {
        if (resources.HugepageLimits is { Count: > 0 })
        {
            throw new CgroupException("linux.resources.hugepageLimits: the hugetlb controller is not supported by kata-style");
        }
        if (resources.Network is not null)
        {
            throw new CgroupException("linux.resources.network: the net_cls/net_prio controllers are not supported by kata-style");
        }
        if (resources.Rdma is { Count: > 0 })
        {
            throw new CgroupException("linux.resources.rdma: the rdma controller is not supported by kata-style");
        }
    }

    private string Require(string subsystem) => DirectoryOf(subsystem)
        ?? throw new CgroupException($"no {subsystem} cgroup hierarchy is mounted");

    /// <summary>Any hierarchy lists the same processes; prefer pids, then memory.</summary>
    private string ProcessListDirectory() =>
        DirectoryOf("pids") ?? DirectoryOf("memory") ?? DirectoryOf("freezer") ?? _mounted[0].Directory;

    private IEnumerable<(ICgroupV1Controller Controller, string MountPoint, string Directory)> Distinct() =>
        _mounted.DistinctBy(m => m.Directory, StringComparer.Ordinal);
}
