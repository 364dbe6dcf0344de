using System.Globalization;
using Kata.Container.Cgroups.Interop;
using Kata.Container.Cgroups.Stats;
using Kata.Container.Interop;
using Kata.Oci.Spec;
using Serilog;

namespace Kata.Container.Cgroups.V2;

/// <summary>
/// A container's cgroup in the unified hierarchy (Documentation/admin-guide/cgroup-v2.rst): one directory, the
/// controllers enabled top-down through cgroup.subtree_control, the freezer via cgroup.freeze, kill via cgroup.kill.
/// </summary>
public sealed class CgroupV2Manager : ICgroupManager
{
    private const int FreezeWaitAttempts = 2000;

    private readonly ILogger _logger;
    private readonly string _mountPoint;
    private readonly ICgroupV2Controller[] _controllers;

    /// <param name="cgroupPath">A path from <see cref="CgroupPathResolver.Normalize"/>.</param>
    /// <param name="mountPoint">Where cgroup2 is mounted (/sys/fs/cgroup on a unified host).</param>
    /// <param name="ownCgroup">This process's v2 cgroup ("0::/…" in /proc/self/cgroup), for relative paths.</param>
    public CgroupV2Manager(string cgroupPath, string mountPoint, string ownCgroup, ILogger logger)
    {
        _logger = logger.ForContext<CgroupV2Manager>();
        _mountPoint = mountPoint;
        CgroupPath = CgroupPathResolver.Resolve(cgroupPath, ownCgroup);
        Directory = CgroupPathResolver.Directory(mountPoint, CgroupPath);
        _controllers =
        [
            new CpuV2Controller(), new CpusetV2Controller(), new MemoryV2Controller(_logger), new PidsV2Controller(), new IoV2Controller(),
        ];
    }

    public CgroupVersion Version => CgroupVersion.V2;

    public string CgroupPath { get; }

    /// <summary>The cgroup's directory.</summary>
    public string Directory { get; }

    public bool Exists => System.IO.Directory.Exists(Directory);

    public void Apply(int pid)
    {
        CreatePath();
        AddProcess(pid);
        _logger.Debug("cgroup v2 {Path} created, pid {Pid} added", CgroupPath, pid);
    }

    public void AddProcess(int pid) => CgroupFiles.Write(Directory, "cgroup.procs", pid.ToString(CultureInfo.InvariantCulture));

    public void Set(LinuxResources resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        if (resources.HugepageLimits is { Count: > 0 } || resources.Rdma is { Count: > 0 } || resources.Network is not null)
        {
            throw new CgroupException("linux.resources: hugepageLimits, rdma and network are not supported by kata-style");
        }
        if (resources.Devices is { Count: > 0 })
        {
            // cgroup v2 controls devices with an eBPF program (BPF_CGROUP_DEVICE), which kata-style does not build.
            _logger.Warning("cgroup v2: linux.resources.devices not enforced (no BPF_CGROUP_DEVICE program); device nodes still come from linux.devices");
        }
        var available = AvailableControllers();
        foreach (var controller in _controllers)
        {
            if (!controller.IsRequested(resources))
            {
                continue;
            }
            if (!available.Contains(controller.Name))
            {
                throw new CgroupException(
                    $"linux.resources asks for {controller.Name} limits but the {controller.Name} controller is not enabled for " +
                    $"{Directory} (cgroup.controllers: {(available.Count == 0 ? "none" : string.Join(' ', available))})",
                    Path.Combine(Directory, "cgroup.controllers"));
            }
            controller.Set(Directory, resources);
        }
        if (resources.Unified is { Count: > 0 } unified)
        {
            UnifiedV2Writer.Write(Directory, unified, available);
        }
    }

    public CgroupStats GetStats() => new(
        CpuV2Controller.ReadStats(Directory),
        MemoryV2Controller.ReadStats(Directory),
        V1.PidsV1Controller.ReadStats(Directory),
        IoV2Controller.ReadStats(Directory));

    public void Freeze()
    {
        CgroupFiles.Write(Directory, "cgroup.freeze", "1");
        for (var attempt = 0; attempt < FreezeWaitAttempts; attempt++)
        {
            if (GetFreezerState() == FreezerState.Frozen)
            {
                return;
            }
            Thread.Sleep(1);
        }
        CgroupFiles.Write(Directory, "cgroup.freeze", "0");
        throw new CgroupException($"{Path.Combine(Directory, "cgroup.events")} never reported frozen; thawed again", Directory);
    }

    public void Thaw() => CgroupFiles.Write(Directory, "cgroup.freeze", "0");

    public FreezerState GetFreezerState()
    {
        var requested = CgroupFiles.Read(Directory, "cgroup.freeze").Trim() == "1";
        var frozen = CgroupFiles.TryReadFlatKeyed(Directory, "cgroup.events")?.GetValueOrDefault("frozen") == 1;
        return (requested, frozen) switch
        {
            (true, true) => FreezerState.Frozen,
            (true, false) => FreezerState.Freezing,
            _ => FreezerState.Thawed,
        };
    }

    public IReadOnlyList<int> GetPids() => CgroupDirectories.ReadProcsRecursive(Directory);

    public ulong GetOomKillCount() => MemoryV2Controller.ReadOomKillCount(Directory);

    public Task<ulong> WaitForOomKillAsync(ulong seenCount, CancellationToken cancellationToken)
    {
        var events = Path.Combine(Directory, "memory.events");
        if (!File.Exists(events))
        {
            throw new CgroupException($"{events} does not exist: the memory controller is not enabled for {Directory}", events);
        }
        var inotify = new FileDescriptor(Errno.Check(CgroupNative.InotifyInit1(CgroupNative.InCloexec), "inotify_init1"));
        if (CgroupNative.InotifyAddWatch(inotify.Fd, events, CgroupNative.InModify) < 0)
        {
            var errno = Errno.Last;
            inotify.Dispose();
            throw new SyscallException("inotify_add_watch", errno, events);
        }
        return OomEventWaiter.WaitAsync(inotify, GetOomKillCount, seenCount, cancellationToken);
    }

    public void Destroy(bool killProcesses)
    {
        if (!Exists)
        {
            return;
        }
        if (killProcesses)
        {
            if (CgroupFiles.Exists(Directory, "cgroup.kill"))
            {
                // Linux 5.14: SIGKILL to every process in the subtree at once, forks included.
                CgroupFiles.Write(Directory, "cgroup.kill", "1");
            }
            CgroupDirectories.KillAll(Directory);
        }
        else if (GetPids() is { Count: > 0 } left)
        {
            throw new CgroupException($"cgroup {CgroupPath} still has processes ({string.Join(", ", left.Take(10))}); not removed", Directory);
        }
        CgroupDirectories.RemoveTree(Directory);
        _logger.Debug("cgroup v2 {Path} removed", CgroupPath);
    }

    /// <summary>The controllers this cgroup may use: its cgroup.controllers (parents enable them top-down).</summary>
    private HashSet<string> AvailableControllers()
    {
        var text = CgroupFiles.TryRead(Directory, "cgroup.controllers") ?? "";
        return new HashSet<string>(text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
    }

    /// <summary>
    /// Creates every missing level and, in each level above the container's, enables the controllers it has for its
    /// children ("+cpu" … into cgroup.subtree_control), as runc's fs2 CreateCgroupPath does. A controller the kernel
    /// refuses to enable (an internal process, a threaded subtree) is logged; Set then names what is missing.
    /// </summary>
    private void CreatePath()
    {
        var current = _mountPoint;
        var segments = CgroupPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < segments.Length; i++)
        {
            EnableControllersForChildren(current);
            current = Path.Combine(current, segments[i]);
            System.IO.Directory.CreateDirectory(current);
        }
    }

    private void EnableControllersForChildren(string directory)
    {
        var controllers = (CgroupFiles.TryRead(directory, "cgroup.controllers") ?? "")
            .Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var enabled = (CgroupFiles.TryRead(directory, "cgroup.subtree_control") ?? "")
            .Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        foreach (var controller in controllers.Where(c => !enabled.Contains(c)))
        {
            try
            {
                CgroupFiles.Write(directory, "cgroup.subtree_control", "+" + controller);
            }
            catch (CgroupException ex)
            {
                _logger.Debug("cgroup v2: could not enable {Controller} below {Directory}: {Reason}", controller, directory, ex.Message);
            }
        }
    }
}
