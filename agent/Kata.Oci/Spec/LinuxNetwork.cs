using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>net_cls / net_prio cgroup settings (config-linux.md "Network").</summary>
public sealed record LinuxNetwork
{
    [JsonPropertyName("classID")]
    public uint? ClassId { get; init; }

    public IReadOnlyList<LinuxInterfacePriority>? Priorities { get; init; }
}
