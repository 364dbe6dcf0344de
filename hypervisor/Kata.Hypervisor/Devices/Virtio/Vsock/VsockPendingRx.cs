namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>Packets a connection owes the guest (Firecracker's csm PendingRx), produced in this order of priority.</summary>
[Flags]
internal enum VsockPendingRx
{
    None = 0,
    /// <summary>VIRTIO_VSOCK_OP_RESPONSE: the host socket at PATH_port accepted the guest's REQUEST.</summary>
    Response = 1,
    /// <summary>VIRTIO_VSOCK_OP_REQUEST: a host client asked for this guest port.</summary>
    Request = 2,
    /// <summary>The host socket is readable: data (VIRTIO_VSOCK_OP_RW) or its end (SHUTDOWN) may be read.</summary>
    Rw = 4,
    /// <summary>VIRTIO_VSOCK_OP_CREDIT_REQUEST: the guest's credit is used up and the host has data waiting.</summary>
    CreditRequest = 8,
    /// <summary>VIRTIO_VSOCK_OP_CREDIT_UPDATE: the guest asked for it, or enough was forwarded that it may be waiting for it.</summary>
    CreditUpdate = 16,
}
