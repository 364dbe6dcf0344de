namespace Kata.Oci.Spec;

/// <summary>A per-device I/O weight (config-linux.md "Block IO": weightDevice).</summary>
public sealed record LinuxWeightDevice
{
    public long Major { get; init; }

    public long Minor { get; init; }

    public ushort? Weight { get; init; }

    public ushort? LeafWeight { get; init; }
}
