namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// The <c>op</c> field of a vsock packet header (virtio 1.2 §5.10.6 "Device Operation", VIRTIO_VSOCK_OP_*). Values
/// outside 1..7 are not defined; the parser reports them as <see cref="VsockPacketError.UnknownOp"/>.
/// </summary>
public enum VsockOp : ushort
{
    Invalid = 0,
    /// <summary>VIRTIO_VSOCK_OP_REQUEST: connect to the destination port (§5.10.6.4).</summary>
    Request = 1,
    /// <summary>VIRTIO_VSOCK_OP_RESPONSE: the connection request is accepted.</summary>
    Response = 2,
    /// <summary>VIRTIO_VSOCK_OP_RST: the connection is refused or terminated; never answered.</summary>
    Rst = 3,
    /// <summary>VIRTIO_VSOCK_OP_SHUTDOWN: the sender will not receive and/or send any more (flags, §5.10.6.5).</summary>
    Shutdown = 4,
    /// <summary>VIRTIO_VSOCK_OP_RW: stream data, <c>len</c> bytes of payload.</summary>
    Rw = 5,
    /// <summary>VIRTIO_VSOCK_OP_CREDIT_UPDATE: the sender's buf_alloc / fwd_cnt changed (§5.10.6.3).</summary>
    CreditUpdate = 6,
    /// <summary>VIRTIO_VSOCK_OP_CREDIT_REQUEST: asks the receiver for a CREDIT_UPDATE.</summary>
    CreditRequest = 7,
}
