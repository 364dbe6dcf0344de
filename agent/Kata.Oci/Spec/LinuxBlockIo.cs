using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>Block I/O cgroup settings (config-linux.md "Block IO").</summary>
public sealed record LinuxBlockIo
{
    /// <summary>10..1000.</summary>
    public ushort? Weight { get; init; }

    /// <summary>10..1000, CFQ only.</summary>
    public ushort? LeafWeight { get; init; }

    public IReadOnlyList<LinuxWeightDevice>? WeightDevice { get; init; }

    public IReadOnlyList<LinuxThrottleDevice>? ThrottleReadBpsDevice { get; init; }

    public IReadOnlyList<LinuxThrottleDevice>? ThrottleWriteBpsDevice { get; init; }

    [JsonPropertyName("throttleReadIOPSDevice")]
    public IReadOnlyList<LinuxThrottleDevice>? ThrottleReadIopsDevice { get; init; }

    [JsonPropertyName("throttleWriteIOPSDevice")]
    public IReadOnlyList<LinuxThrottleDevice>? ThrottleWriteIopsDevice { get; init; }
}
