using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V1;

/// <summary>One cgroup v1 controller (a hierarchy's subsystem): how its directory is made and its limits written.</summary>
internal interface ICgroupV1Controller
{
    /// <summary>The subsystem name as in /proc/cgroups ("memory", "cpu", …).</summary>
    string Subsystem { get; }

    /// <summary>True when <paramref name="resources"/> asks this controller for something.</summary>
    bool IsRequested(LinuxResources resources);

    /// <summary>Creates the cgroup directory (and its parents) under <paramref name="mountPoint"/>.</summary>
    void Create(string mountPoint, string directory) => Directory.CreateDirectory(directory);

    void Set(string directory, LinuxResources resources);
}
