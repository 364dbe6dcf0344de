using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>Memory cgroup limits in bytes; -1 means unlimited (config-linux.md "Memory").</summary>
public sealed record LinuxMemory
{
    public long? Limit { get; init; }

    /// <summary>Soft limit (v1 memory.soft_limit_in_bytes, v2 memory.low).</summary>
    public long? Reservation { get; init; }

    /// <summary>Memory plus swap.</summary>
    public long? Swap { get; init; }

    /// <summary>Deprecated: kernel memory limit (gone since Linux 5.4 / cgroup v2); runtimes ignore it.</summary>
    public long? Kernel { get; init; }

    /// <summary>Kernel TCP buffer memory limit (v1 only).</summary>
    [JsonPropertyName("kernelTCP")]
    public long? KernelTcp { get; init; }

    /// <summary>0..100 (v1 only).</summary>
    public ulong? Swappiness { get; init; }

    [JsonPropertyName("disableOOMKiller")]
    public bool? DisableOomKiller { get; init; }

    public bool? UseHierarchy { get; init; }

    /// <summary>Refuse an update that sets the limit below current usage.</summary>
    public bool? CheckBeforeUpdate { get; init; }
}
