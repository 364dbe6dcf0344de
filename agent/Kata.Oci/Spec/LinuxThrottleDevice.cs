namespace Kata.Oci.Spec;

/// <summary>A per-device I/O rate limit (config-linux.md "Block IO": throttle*Device).</summary>
public sealed record LinuxThrottleDevice
{
    public long Major { get; init; }

    public long Minor { get; init; }

    /// <summary>Bytes or operations per second.</summary>
    public ulong Rate { get; init; }
}
