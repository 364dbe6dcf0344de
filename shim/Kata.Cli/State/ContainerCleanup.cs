using Kata.Cli.Interop;
using Serilog;

namespace Kata.Cli.State;

/// <summary>
/// Removes a container whatever state it was left in: ends its monitor (SIGTERM: the monitor asks the agent to
/// destroy the sandbox, which kills and removes the container), escalates to SIGKILL of the monitor's whole session
/// (the monitor leads a process group that holds the agent or VMM), kills a surviving init, then removes the state
/// directory. Idempotent; used by `delete`, by `run` after the container exited, and by a failed `create`.
/// </summary>
public static class ContainerCleanup
{
    private static readonly TimeSpan MonitorGrace = TimeSpan.FromSeconds(10);
    private const int SigTerm = 15;
    private const int SigKill = 9;

    public static void Destroy(ContainerStore store, ContainerPaths paths, ILogger log)
    {
        MonitorRecord? monitor = store.TryReadMonitor(paths);
        if (monitor is not null && ProcessIdentity.IsAlive(monitor.Pid, monitor.StartTime))
        {
            CliLibc.Kill(monitor.Pid, SigTerm);
            if (!WaitGone(monitor.Pid, monitor.StartTime, MonitorGrace))
            {
                log.Warning("the monitor of {Id} (pid {Pid}) did not end within {Grace}: killing its process group", paths.Id, monitor.Pid, MonitorGrace);
                CliLibc.Kill(-monitor.Pid, SigKill);
                WaitGone(monitor.Pid, monitor.StartTime, TimeSpan.FromSeconds(2));
            }
        }
        if (monitor is not null)
        {
            // A monitor that died without stopping its sandbox (SIGKILL, crash) leaves the agent or VMM behind in its
            // process group; only members that name this container's directory are ours to kill (the group id
            // could in principle be reused once the group is empty).
            foreach (int orphan in ProcessIdentity.GroupMembersMentioning(monitor.Pid, paths.Directory + "/"))
            {
                log.Warning("container {Id}: killing pid {Pid}, left by its dead monitor", paths.Id, orphan);
                CliLibc.Kill(orphan, SigKill);
                WaitGone(orphan, ProcessIdentity.StartTime(orphan) ?? 0, TimeSpan.FromSeconds(2));
            }
        }
        if (store.TryReadCreated(paths) is { PidStartTime: > 0 } created && ProcessIdentity.IsAlive(created.Pid, created.PidStartTime))
        {
            // A host process (process sandbox) that outlived its agent: end it, and its pid namespace with it.
            log.Warning("container {Id}: init pid {Pid} outlived its sandbox; killing it", paths.Id, created.Pid);
            CliLibc.Kill(created.Pid, SigKill);
            WaitGone(created.Pid, created.PidStartTime, TimeSpan.FromSeconds(2));
        }
        if (Directory.Exists(paths.Directory))
        {
            Directory.Delete(paths.Directory, recursive: true);
        }
    }

    private static bool WaitGone(int pid, ulong startTime, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        // A monitor told to stop is usually gone within a few milliseconds (it is already past its sandbox's
        // stop when `run` gets here): poll after 1 ms, backing off to 10 ms for the slow cases.
        int pause = 1;
        while (ProcessIdentity.IsAlive(pid, startTime))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            Thread.Sleep(pause);
            pause = Math.Min(pause * 2, 10);
        }
        return true;
    }
}
