namespace Kata.Agent.Containers;

/// <summary>
/// The processes of a container, found as the processes in its init's pid namespace (/proc/PID/ns/pid names the same
/// namespace inode). Works without a cgroup, so also for the `process` sandbox on a cgroup v1 host.
/// </summary>
public static class PidNamespaceMembers
{
    public static IReadOnlyList<int> Of(int initPid, string proc = "/proc")
    {
        string? target = NamespaceOf(initPid, proc);
        if (target is null)
        {
            return [];
        }
        var members = new List<int>();
        foreach (string entry in Directory.EnumerateDirectories(proc))
        {
            if (int.TryParse(Path.GetFileName(entry), out int pid) && NamespaceOf(pid, proc) == target)
            {
                members.Add(pid);
            }
        }
        members.Sort();
        return members;
    }

    private static string? NamespaceOf(int pid, string proc)
    {
        try
        {
            return new FileInfo(Path.Combine(proc, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "ns", "pid")).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // The process ended meanwhile.
        }
    }
}
