namespace Kata.Container.Cgroups;

/// <summary>Which cgroup API a manager drives.</summary>
public enum CgroupVersion
{
    /// <summary>Legacy hierarchies, one per controller (cgroups(7) "Cgroups version 1").</summary>
    V1,

    /// <summary>The unified hierarchy (Documentation/admin-guide/cgroup-v2.rst).</summary>
    V2,
}
