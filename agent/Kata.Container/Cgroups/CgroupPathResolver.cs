namespace Kata.Container.Cgroups;

/// <summary>
/// Turns <c>linux.cgroupsPath</c> into the container's cgroup path inside a hierarchy (config-linux.md
/// "Cgroups path"): absolute paths are taken as they are, relative ones are placed under the runtime's own cgroup
/// (as runc's cgroupfs driver does), and an absent one defaults to <c>/kata-style/&lt;id&gt;</c>.
/// </summary>
public static class CgroupPathResolver
{
    public const string DefaultParent = "/kata-style";

    /// <summary>Validates and normalises the spec's path; returns an absolute path, or a relative one still to be joined.</summary>
    public static string Normalize(string? cgroupsPath, string containerId)
    {
        if (string.IsNullOrEmpty(cgroupsPath))
        {
            if (string.IsNullOrEmpty(containerId) || containerId.Contains('/') || containerId is "." or "..")
            {
                throw new ContainerConfigException($"container id '{containerId}' cannot name a cgroup");
            }
            return $"{DefaultParent}/{containerId}";
        }
        // The systemd driver's "slice:prefix:name" form (runc --systemd-cgroup).
        if (!cgroupsPath.StartsWith('/') && cgroupsPath.Split(':').Length == 3)
        {
            throw new ContainerConfigException(
                $"linux.cgroupsPath '{cgroupsPath}' is in the systemd \"slice:prefix:name\" form; kata-style has no systemd " +
                "cgroup driver, use a cgroupfs path such as /kata-style/<id>");
        }
        var segments = cgroupsPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
        {
            throw new ContainerConfigException($"linux.cgroupsPath '{cgroupsPath}' names the root cgroup; a container needs its own");
        }
        if (segments.Any(s => s is "." or ".."))
        {
            throw new ContainerConfigException($"linux.cgroupsPath '{cgroupsPath}' must not contain '.' or '..'");
        }
        var joined = string.Join('/', segments);
        return cgroupsPath.StartsWith('/') ? "/" + joined : joined;
    }

    /// <summary>Joins a relative <paramref name="normalized"/> path to <paramref name="ownCgroup"/>.</summary>
    public static string Resolve(string normalized, string ownCgroup) =>
        normalized.StartsWith('/') ? normalized : (ownCgroup.TrimEnd('/') + "/" + normalized);

    /// <summary>The container's cgroup inside a hierarchy mounted at <paramref name="mountPoint"/>.</summary>
    public static string Directory(string mountPoint, string cgroupPath) =>
        Path.Join(mountPoint, cgroupPath.TrimStart('/'));

    /// <summary>The calling process's cgroup per hierarchy from /proc/self/cgroup: "memory" → "/a/b", "" → v2 path.</summary>
    public static Dictionary<string, string> ReadOwnCgroups(string procSelfCgroup = "/proc/self/cgroup")
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(procSelfCgroup))
        {
            // hierarchy-ID:controller-list:cgroup-path (cgroups(7))
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }
            if (parts[1].Length == 0)
            {
                result[""] = parts[2];
                continue;
            }
            foreach (var controller in parts[1].Split(','))
            {
                result[controller] = parts[2];
            }
        }
        return result;
    }
}
