using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V2;

/// <summary>cpuset.cpus and cpuset.mems (cgroup-v2.rst "Cpuset Interface Files").</summary>
internal sealed class CpusetV2Controller : ICgroupV2Controller
{
    public string Name => "cpuset";

    public bool IsRequested(LinuxResources resources) =>
        !string.IsNullOrEmpty(resources.Cpu?.Cpus) || !string.IsNullOrEmpty(resources.Cpu?.Mems);

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
}
