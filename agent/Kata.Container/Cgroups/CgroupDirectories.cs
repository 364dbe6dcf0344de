using Kata.Container.Cgroups.Interop;
using Kata.Container.Interop;

namespace Kata.Container.Cgroups;

/// <summary>Creating, listing and removing cgroup directories, shared by the v1 and v2 managers.</summary>
internal static class CgroupDirectories
{
    private const int RemoveAttempts = 200;
    private const int SignalRounds = 50;

    /// <summary>The pids in <paramref name="directory"/> and every cgroup below it.</summary>
    public static List<int> ReadProcsRecursive(string directory)
    {
        var pids = new List<int>();
        if (!Directory.Exists(directory))
        {
            return pids;
        }
        foreach (var dir in SelfAndDescendants(directory))
        {
            if (CgroupFiles.TryRead(dir, "cgroup.procs") is not { } text)
            {
                continue;
            }
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(line, out var pid))
                {
                    pids.Add(pid);
                }
            }
        }
        return pids;
    }

    /// <summary>SIGKILLs everything in the cgroup until it is empty (processes may fork while being killed).</summary>
    public static void KillAll(string directory)
    {
        for (var round = 0; round < SignalRounds; round++)
        {
            var pids = ReadProcsRecursive(directory);
            if (pids.Count == 0)
            {
                return;
            }
            foreach (var pid in pids)
            {
                Libc.Kill(pid, 9); // ESRCH: it has just exited, which is what we want
            }
            Thread.Sleep(round < 5 ? 1 : 10);
        }
    }

    /// <summary>
    /// Removes <paramref name="directory"/> and its child cgroups, deepest first. rmdir(2) on a cgroup fails with
    /// EBUSY while a dying task is still being detached, so it is retried for a short while.
    /// </summary>
    public static void RemoveTree(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }
        foreach (var dir in SelfAndDescendants(directory).OrderByDescending(d => d.Length))
        {
            for (var attempt = 0; ; attempt++)
            {
                if (CgroupNative.Rmdir(dir) == 0)
                {
                    break;
                }
                var errno = Errno.Last;
                if (errno == Errno.ENOENT)
                {
                    break;
                }
                if (errno != Errno.EBUSY || attempt == RemoveAttempts)
                {
                    var remaining = ReadProcsRecursive(dir);
                    throw new CgroupException(
                        $"removing cgroup {dir}: {Errno.Describe(errno)}" +
                        (remaining.Count > 0 ? $" ({remaining.Count} processes still inside: {string.Join(", ", remaining.Take(10))})" : ""),
                        dir, errno);
                }
                Thread.Sleep(10);
            }
        }
    }

    private static IEnumerable<string> SelfAndDescendants(string directory) =>
        new[] { directory }.Concat(Directory.EnumerateDirectories(directory, "*", SearchOption.AllDirectories));
}
