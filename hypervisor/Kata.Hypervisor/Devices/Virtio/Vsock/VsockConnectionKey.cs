namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// What identifies a connection at the muxer (Firecracker's ConnMapKey): the host-side port and the guest-side port.
/// A guest packet carries them as (dst_port, src_port), a packet for the guest as (src_port, dst_port).
/// </summary>
public readonly record struct VsockConnectionKey(uint LocalPort, uint PeerPort)
{
    /// <summary>The connection a guest packet belongs to.</summary>
    public static VsockConnectionKey FromGuestPacket(in VsockHeader header) => new(header.DstPort, header.SrcPort);

    public override string ToString() => $"host port {LocalPort} / guest port {PeerPort}";
}
