namespace Kata.Oci.Spec;

/// <summary>rdma cgroup limits for one device (config-linux.md "RDMA").</summary>
public sealed record LinuxRdma
{
    public uint? HcaHandles { get; init; }

    public uint? HcaObjects { get; init; }
}
