namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary>How the test guest spreads a packet over descriptors.</summary>
public enum VsockTxLayout
{
    /// <summary>Header and payload in one descriptor (Linux 6.3 and later).</summary>
    OneDescriptor,
    /// <summary>Header in one descriptor, payload in the next (Linux before 6.3).</summary>
    HeaderThenPayload,
    /// <summary>Up to eight descriptors of odd sizes, cutting through the header.</summary>
    Scattered,
}
