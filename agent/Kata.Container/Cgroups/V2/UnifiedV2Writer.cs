namespace Kata.Container.Cgroups.V2;

/// <summary>
/// Writes <c>linux.resources.unified</c> verbatim (config-linux.md "Unified"): each key is a file in the container's
/// cgroup, each line of the value one write (io.max takes one device per write). Keys are checked first: a file name
/// of the form CONTROLLER.PARAMETER, no path separators, the controller available, and not one of the files the
/// runtime itself drives (cgroup.procs, cgroup.freeze, …).
/// </summary>
internal static class UnifiedV2Writer
{
    private static readonly HashSet<string> RuntimeOwned = new(StringComparer.Ordinal)
    {
        "cgroup.procs", "cgroup.threads", "cgroup.freeze", "cgroup.kill", "cgroup.subtree_control", "cgroup.type",
        "cgroup.events", "cgroup.controllers",
    };

    public static void Write(string directory, IReadOnlyDictionary<string, string> unified, IReadOnlySet<string> availableControllers)
    {
        foreach (var (key, _) in unified)
        {
            Validate(key, availableControllers);
        }
        foreach (var (key, value) in unified)
        {
            if (!CgroupFiles.Exists(directory, key))
            {
                throw new CgroupException(
                    $"linux.resources.unified[\"{key}\"]: {Path.Combine(directory, key)} does not exist in this kernel's cgroup v2",
                    Path.Combine(directory, key));
            }
            foreach (var line in value.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                CgroupFiles.Write(directory, key, line);
            }
        }
    }

    private static void Validate(string key, IReadOnlySet<string> availableControllers)
    {
        if (key.Contains('/') || key.Contains('\0') || key is "." or "..")
        {
            throw new ContainerConfigException($"linux.resources.unified[\"{key}\"]: must be a file name, without '/'");
        }
        var dot = key.IndexOf('.');
        if (dot <= 0 || dot == key.Length - 1)
        {
            throw new ContainerConfigException($"linux.resources.unified[\"{key}\"]: must be in the form CONTROLLER.PARAMETER");
        }
        if (RuntimeOwned.Contains(key))
        {
            throw new ContainerConfigException($"linux.resources.unified[\"{key}\"]: {key} is managed by the runtime, not a resource");
        }
        var controller = key[..dot];
        if (controller != "cgroup" && !availableControllers.Contains(controller))
        {
            throw new CgroupException(
                $"linux.resources.unified[\"{key}\"]: the {controller} controller is not available to this cgroup " +
                $"(cgroup.controllers: {(availableControllers.Count == 0 ? "none" : string.Join(' ', availableControllers))})");
        }
    }
}
