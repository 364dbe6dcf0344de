using System.Globalization;
using Kata.Oci.Spec;
using Kata.Oci.State;

namespace Kata.Container.Lifecycle;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// runtime.md "kill": sends <paramref name="signal"/> to the init, or with <paramref name="all"/> to every process of
    /// the container. "All" is found through the container's own pid namespace (every /proc entry whose ns/pid is the
    /// init's), or for a container without its own pid namespace through its cgroup; without either only the init and
    /// the exec'd processes are signalled.
    /// </summary>
    public void Kill(string id, int signal, bool all = false)
    {
        if (signal is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(signal), signal, "signal must be 1..64");
        }
        var container = Get(id);
        container.StateMachine.Apply(ContainerOperation.Kill);
        var init = container.Init ?? throw new ContainerException($"container {id}: kill failed: it has no init process");
        if (!all)
        {
            init.Signal(signal);
            return;
        }

        var others = container.Plan.IsNew(NamespaceType.Pid)
            ? PidsInNamespaceOf(init.Pid)
            : container.Cgroup?.GetPids().Where(pid => pid != init.Pid).ToList() ?? [];
        {
            foreach (var pid in others)
            {
                Interop.Libc.Kill(pid, signal); // ESRCH: it exited meanwhile
            }
        }
        init.Signal(signal);
        foreach (var exec in container.Execs)
        {
            exec.Signal(signal);
        }
    }

    private static List<int> PidsInNamespaceOf(int initPid)
    {
        var result = new List<int>();
        var target = ReadNamespaceLink(initPid);
        if (target is null)
        {
            return result;
        }
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != initPid && ReadNamespaceLink(pid) == target)
            {
                result.Add(pid);
            }
        }
        return result;
    }

    private static string? ReadNamespaceLink(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/pid").LinkTarget;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
