namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>The <c>flags</c> of a VIRTIO_VSOCK_OP_SHUTDOWN packet (virtio 1.2 §5.10.6.5); cumulative over a connection.</summary>
[Flags]
public enum VsockShutdownFlags : uint
{
    None = 0,
    /// <summary>VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE: the sender will receive no more data.</summary>
    Receive = 1,
    /// <summary>VIRTIO_VSOCK_SHUTDOWN_F_SEND: the sender will send no more data.</summary>
    Send = 2,
    Both = Receive | Send,
}
