namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>The <c>type</c> field of a vsock packet header (virtio 1.2 §5.10.6, VIRTIO_VSOCK_TYPE_*).</summary>
public enum VsockSocketType : ushort
{
    /// <summary>VIRTIO_VSOCK_TYPE_STREAM: the only type this device supports.</summary>
    Stream = 1,
    /// <summary>VIRTIO_VSOCK_TYPE_SEQPACKET: needs VIRTIO_VSOCK_F_SEQPACKET, which is not offered; refused with RST.</summary>
    SeqPacket = 2,
}
