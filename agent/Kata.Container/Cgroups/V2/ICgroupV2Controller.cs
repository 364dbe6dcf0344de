using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V2;

/// <summary>One cgroup v2 controller: the spec's settings converted to its interface files (runc's fs2 conversion).</summary>
internal interface ICgroupV2Controller
{
    /// <summary>The name in cgroup.controllers ("cpu", "memory", …).</summary>
    string Name { get; }

    bool IsRequested(LinuxResources resources);

    void Set(string directory, LinuxResources resources);
}
