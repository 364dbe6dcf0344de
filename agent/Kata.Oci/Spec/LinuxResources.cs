using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>cgroup resource limits (config-linux.md "Control groups").</summary>
public sealed record LinuxResources
{
    /// <summary>The device access allow/deny list, applied in order.</summary>
    public IReadOnlyList<LinuxDeviceCgroup>? Devices { get; init; }

    public LinuxMemory? Memory { get; init; }

    public LinuxCpu? Cpu { get; init; }

    public LinuxPids? Pids { get; init; }

    [JsonPropertyName("blockIO")]
    public LinuxBlockIo? BlockIo { get; init; }

    public IReadOnlyList<LinuxHugepageLimit>? HugepageLimits { get; init; }

    public LinuxNetwork? Network { get; init; }

    /// <summary>RDMA limits by device name.</summary>
    public IReadOnlyDictionary<string, LinuxRdma>? Rdma { get; init; }

    /// <summary>cgroup v2 files to write as-is (<c>memory.high</c> → <c>"1G"</c>).</summary>
    public IReadOnlyDictionary<string, string>? Unified { get; init; }
}
