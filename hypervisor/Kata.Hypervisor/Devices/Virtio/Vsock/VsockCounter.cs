namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>What the vsock device counts (its metrics, see <see cref="VsockCounters"/>).</summary>
public enum VsockCounter
{
    /// <summary>Host clients accepted on the Unix socket.</summary>
    HostClientsAccepted,
    /// <summary>Host clients closed during the CONNECT handshake (malformed line, too long, bad port, closed, timed out, limit).</summary>
    HandshakesRejected,
    /// <summary>Connections created (host- or guest-initiated).</summary>
    ConnectionsOpened,
    /// <summary>Connections closed, for whatever reason.</summary>
    ConnectionsClosed,
    /// <summary>Connections killed by the muxer (an RST sent to the guest because of an error or a timeout).</summary>
    ConnectionsKilled,
    /// <summary>Guest connection requests refused with RST (no listener at PATH_port, limit reached).</summary>
    GuestConnectsRefused,
    /// <summary>Packets from the guest.</summary>
    TxPackets,
    /// <summary>Payload bytes from the guest accepted for host sockets.</summary>
    TxBytes,
    /// <summary>Packets handed to the guest.</summary>
    RxPackets,
    /// <summary>Payload bytes read from host sockets and handed to the guest.</summary>
    RxBytes,
    /// <summary>Guest packets that failed to parse (any <see cref="VsockPacketError"/>).</summary>
    MalformedPackets,
    /// <summary>Guest packets with the wrong CIDs, dropped without an answer.</summary>
    MisaddressedPackets,
    /// <summary>Guest packets that fit no connection and are not a REQUEST, answered with RST.</summary>
    UnknownConnectionPackets,
    /// <summary>Guest packets invalid in their connection's state (the connection is reset).</summary>
    ProtocolViolations,
    /// <summary>RST packets produced for the guest.</summary>
    RstsSent,
    /// <summary>RSTs dropped because the pending-RST queue was full (a guest flooding without reading).</summary>
    RstsDropped,
    /// <summary>Receive buffers too small for a header (the guest gets nothing in them).</summary>
    RxBuffersTooSmall,
    /// <summary>Descriptor chains the queues rejected (<see cref="DescriptorChainError"/>), returned unused.</summary>
    InvalidChains,
    /// <summary>Unexpected exceptions inside the device (bugs); the affected connection is closed.</summary>
    InternalErrors,
}
