namespace Kata.Container.Cgroups.V1;

/// <summary>
/// Where each v1 controller is mounted, and the calling process's own cgroup in each hierarchy (relative cgroup
/// paths are placed under it). Read from /proc/self/mountinfo and /proc/self/cgroup, or given by tests.
/// </summary>
public sealed record CgroupV1Hierarchies(IReadOnlyDictionary<string, string> MountPoints, IReadOnlyDictionary<string, string> OwnCgroups)
{
    /// <summary>The controllers kata-style manages or joins on v1.</summary>
    public static readonly IReadOnlyList<string> KnownSubsystems =
        ["cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "freezer", "devices"];

    public static CgroupV1Hierarchies ReadFromHost(string mountInfo = "/proc/self/mountinfo", string procSelfCgroup = "/proc/self/cgroup")
    {
        var mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(mountInfo))
        {
            // proc(5) mountinfo: "36 35 98:0 /root /mnt opts [optional…] - fstype source superopts"
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }
            var left = line[..separator].Split(' ');
            var right = line[(separator + 3)..].Split(' ');
            if (left.Length < 5 || right.Length < 3 || right[0] != "cgroup")
            {
                continue;
            }
            foreach (var option in right[2].Split(','))
            {
                if (KnownSubsystems.Contains(option) && !mounts.ContainsKey(option))
                {
                    mounts[option] = left[4].Replace("\\040", " ", StringComparison.Ordinal);
                }
            }
        }
        return new CgroupV1Hierarchies(mounts, CgroupPathResolver.ReadOwnCgroups(procSelfCgroup));
    }
}
