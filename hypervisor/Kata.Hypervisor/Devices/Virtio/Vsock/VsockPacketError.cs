namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// Why <see cref="VsockPacket.TryParse"/> refused a packet. Except for <see cref="HeaderTooShort"/>, the header was
/// read and addresses the connection, so the muxer can answer with an RST.
/// </summary>
public enum VsockPacketError
{
    None = 0,
    /// <summary>Fewer than <see cref="VsockPacket.HeaderSize"/> bytes: nothing can be trusted, not even the ports.</summary>
    HeaderTooShort,
    /// <summary><c>len</c> is above <see cref="VsockPacket.MaxPayloadSize"/> (Firecracker's MAX_PKT_BUF_SIZE, Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE).</summary>
    PayloadTooLong,
    /// <summary><c>len</c> announces more payload than the buffers hold.</summary>
    PayloadTruncated,
    /// <summary><c>type</c> is not VIRTIO_VSOCK_TYPE_STREAM (SEQPACKET is not offered).</summary>
    UnsupportedType,
    /// <summary><c>op</c> is none of VIRTIO_VSOCK_OP_REQUEST..CREDIT_REQUEST.</summary>
    UnknownOp,
}
