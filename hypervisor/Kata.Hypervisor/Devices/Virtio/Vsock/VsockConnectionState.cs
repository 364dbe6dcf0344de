namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// The life of a <see cref="VsockConnection"/> (Firecracker's csm ConnState). A killed connection is not a state here:
/// the muxer removes it at once, closes its host socket and queues the RST on its own, so a guest that never reads
/// cannot pile up dead connections.
/// </summary>
public enum VsockConnectionState
{
    /// <summary>Host-initiated: a REQUEST is queued or sent to the guest, its RESPONSE is awaited (bounded by the connect timeout).</summary>
    LocalInit,
    /// <summary>Guest-initiated: the host socket at PATH_port is connected, the RESPONSE is queued for the guest.</summary>
    PeerInit,
    /// <summary>Data flows both ways under credit-based flow control (virtio 1.2 §5.10.6.3).</summary>
    Established,
    /// <summary>
    /// The host socket reached end of stream: a SHUTDOWN (both directions) is owed or sent to the guest, whose RST
    /// ends the connection (bounded by the shutdown timeout). Firecracker's LocalClosed.
    /// </summary>
    LocalClosed,
    /// <summary>The guest sent SHUTDOWN (§5.10.6.5) for one or both directions; the rest still flows. Firecracker's PeerClosed.</summary>
    PeerClosed,
}
