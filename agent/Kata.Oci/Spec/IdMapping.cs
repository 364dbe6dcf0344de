using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>A range of ids mapped between the container and the host (config-linux.md "User namespace mappings"; user_namespaces(7)).</summary>
public sealed record IdMapping
{
    /// <summary>First id inside the container.</summary>
    [JsonPropertyName("containerID")]
    public uint ContainerId { get; init; }

    /// <summary>First id on the host that <see cref="ContainerId"/> maps to.</summary>
    [JsonPropertyName("hostID")]
    public uint HostId { get; init; }

    /// <summary>How many consecutive ids are mapped (at least 1).</summary>
    public uint Size { get; init; }
}
