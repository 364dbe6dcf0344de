using Kata.Oci.Json;

namespace Kata.Oci.Spec;

/// <summary>The spec strings of <see cref="NamespaceType"/>.</summary>
public sealed class NamespaceTypeConverter : SpecEnumConverter<NamespaceType>
{
    /// <summary>Shared instance for name lookups outside of JSON (<c>NamespaceTypeConverter.Instance.ToSpecName(...)</c>).</summary>
    public static readonly NamespaceTypeConverter Instance = new();

    public NamespaceTypeConverter() : base("namespace type",
    [
        new(NamespaceType.Pid, "pid"),
        new(NamespaceType.Network, "network"),
        new(NamespaceType.Mount, "mount"),
        new(NamespaceType.Ipc, "ipc"),
        new(NamespaceType.Uts, "uts"),
        new(NamespaceType.User, "user"),
        new(NamespaceType.Cgroup, "cgroup"),
        new(NamespaceType.Time, "time"),
    ])
    {
    }
}
