namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// Settings of a <see cref="VsockMuxer"/> (<c>--vsock-cid N --vsock-uds PATH</c>); the defaults follow Firecracker's
/// vsock/unix/mod.rs and csm/mod.rs where it has a value.
/// </summary>
public sealed record VsockMuxerOptions
{
    /// <summary>The guest's CID (virtio 1.2 §5.10.4 guest_cid), <see cref="VsockCid.FirstGuest"/>..<see cref="VsockCid.LastGuest"/>.</summary>
    public required ulong GuestCid { get; init; }

    /// <summary>
    /// The host-side Unix socket: host programs connect here and send <c>CONNECT &lt;port&gt;\n</c>; a guest connection
    /// to port P goes to <c>PATH_P</c>.
    /// </summary>
    public required string UdsPath { get; init; }

    /// <summary>The most connections at once, established and in their handshake together (Firecracker: 1023).</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>How long a host client may take to send its whole CONNECT line.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the guest may take to answer a host-initiated REQUEST (Firecracker's CONN_REQUEST_TIMEOUT_MS).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// After the guest shut a connection down in both directions: how long buffered guest data may take to drain into
    /// a slow host socket before the connection is reset (Firecracker's CONN_SHUTDOWN_TIMEOUT_MS is 2 s; longer here
    /// so a slow host reader does not lose data).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Per connection, the guest-to-host bytes the muxer buffers while the host socket would block: the buf_alloc it
    /// advertises to the guest (§5.10.6.3), so a guest that keeps to its credit never overruns it (Firecracker's
    /// CONN_TX_BUF_SIZE, 256 KiB). The memory is taken only while data is actually buffered.
    /// </summary>
    public int TxBufferSize { get; init; } = 256 * 1024;

    /// <summary>RST packets queued for the guest when no connection holds them (answers to stray packets); more are dropped.</summary>
    public int MaxPendingRsts { get; init; } = 1024;

    /// <summary>Checks the values; throws <see cref="VsockException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (GuestCid is < VsockCid.FirstGuest or > VsockCid.LastGuest)
        {
            throw new VsockException($"vsock: guest CID {GuestCid} is reserved or out of range; use {VsockCid.FirstGuest}..{VsockCid.LastGuest}");
        }
        if (string.IsNullOrEmpty(UdsPath))
        {
            throw new VsockException("vsock: the Unix socket path (--vsock-uds) is empty");
        }
        if (MaxConnections < 1)
        {
            throw new VsockException($"vsock: MaxConnections must be at least 1, not {MaxConnections}");
        }
        if (TxBufferSize < VsockPacket.MaxPayloadSize)
        {
            throw new VsockException($"vsock: TxBufferSize must be at least {VsockPacket.MaxPayloadSize} (one full packet), not {TxBufferSize}");
        }
        if (HandshakeTimeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero || ShutdownTimeout <= TimeSpan.Zero)
        {
            throw new VsockException("vsock: timeouts must be positive");
        }
        if (MaxPendingRsts < 1)
        {
            throw new VsockException($"vsock: MaxPendingRsts must be at least 1, not {MaxPendingRsts}");
        }
    }
}
