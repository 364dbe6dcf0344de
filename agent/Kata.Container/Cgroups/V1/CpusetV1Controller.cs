using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V1;

/// <summary>
/// The v1 cpuset controller. A new v1 cpuset starts with empty cpuset.cpus and cpuset.mems, and no task can join it
/// until both are set, so every directory created copies its parent's values (as runc's cpuset ensureParent does).
/// </summary>
internal sealed class CpusetV1Controller : ICgroupV1Controller
{
    public string Subsystem => "cpuset";

    public bool IsRequested(LinuxResources resources) =>
        !string.IsNullOrEmpty(resources.Cpu?.Cpus) || !string.IsNullOrEmpty(resources.Cpu?.Mems);

    public void Create(string mountPoint, string directory)
    {
        var root = Path.GetFullPath(mountPoint);
        var full = Path.GetFullPath(directory);
        var relative = Path.GetRelativePath(root, full);
        var current = root;
        foreach (var segment in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var parent = current;
            current = Path.Combine(current, segment);
            Directory.CreateDirectory(current);
            CopyIfEmpty(parent, current, "cpuset.cpus");
            CopyIfEmpty(parent, current, "cpuset.mems");
        }
    }

    public void Set(string directory, LinuxResources resources)
    {
        if (resources.Cpu?.Cpus is { Length: > 0 } cpus)
        {
            CgroupFiles.Write(directory, "cpuset.cpus", cpus);
        }
        if (resources.Cpu?.Mems is { Length: > 0 } mems)
        {
            CgroupFiles.Write(directory, "cpuset.mems", mems);
        }
    }

    private static void CopyIfEmpty(string parent, string child, string file)
    {
        if (CgroupFiles.TryRead(child, file) is { } own && own.Trim().Length == 0 &&
            CgroupFiles.TryRead(parent, file) is { } inherited && inherited.Trim().Length > 0)
        {
            CgroupFiles.Write(child, file, inherited.Trim());
        }
    }
}
