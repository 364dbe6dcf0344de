using Kata.Container.Cgroups.V1;
using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V2;

/// <summary>pids.max (cgroup-v2.rst "PID Interface Files").</summary>
internal sealed class PidsV2Controller : ICgroupV2Controller
{
    public string Name => "pids";

    public bool IsRequested(LinuxResources resources) => resources.Pids is not null;

    public void Set(string directory, LinuxResources resources)
    {
        if (resources.Pids is { } pids)
        {
            CgroupFiles.Write(directory, "pids.max", PidsV1Controller.MaxValue(pids.Limit));
        }
    }
}
