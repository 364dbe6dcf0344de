using Kata.Hypervisor.Interop;
using Serilog;

namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// The host side of hybrid vsock, Firecracker's unix/muxer.rs: it owns the listening Unix socket at
/// <see cref="VsockMuxerOptions.UdsPath"/>, the host clients still sending their <c>CONNECT &lt;port&gt;\n</c> line,
/// every <see cref="VsockConnection"/> by (host port, guest port), and the order in which connections get the guest's
/// receive buffers.
/// <list type="bullet">
/// <item>Host-initiated: a client connects to PATH and sends <c>CONNECT &lt;port&gt;\n</c>; the muxer sends the guest a
/// REQUEST from a fresh host port; the guest's RESPONSE gets the client <c>OK &lt;host port&gt;\n</c>, its RST closes
/// the client.</item>
/// <item>Guest-initiated: a REQUEST to port P connects to <c>PATH_P</c>; a RESPONSE or an RST goes back.</item>
/// </list>
/// Everything is non-blocking and driven by socket readiness from an <see cref="IVsockSocketPoller"/>. Whatever the
/// guest or a host client sends, the muxer answers with RST or closes the client, counts it and logs it
/// (rate-limited); nothing throws. Not thread-safe: <see cref="VirtioVsock"/> serializes every call.
/// </summary>
internal sealed partial class VsockMuxer : IDisposable
{
    /// <summary>Host clients accepted per readiness report, so one busy listener cannot starve the loop.</summary>
    private const int AcceptBatch = 32;

    /// <summary>Host ports of host-initiated connections: 2^30 .. 2^31-1, as Firecracker picks them (away from well-known guest ports).</summary>
    private const uint LocalPortBase = 1u << 30;

    private readonly VsockMuxerOptions _options;
    private readonly IVsockSocketPoller _poller;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly UnixStreamSocket _listener;
    private readonly Dictionary<UnixStreamSocket, VsockHostHandshake> _handshakes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<VsockConnectionKey, VsockConnection> _connections = [];
    private readonly Dictionary<UnixStreamSocket, VsockConnection> _bySocket = new(ReferenceEqualityComparer.Instance);
    private readonly Queue<VsockConnectionKey> _rxQueue = new();
    private readonly HashSet<VsockConnectionKey> _rxQueued = [];
    private readonly Queue<VsockConnectionKey> _pendingRsts = new();
    private readonly RateLimitedLog _guestWarnings = new();
    private readonly RateLimitedLog _hostWarnings = new();
    private readonly long _handshakeTimeoutTicks;
    private readonly long _connectTimeoutTicks;
    private readonly long _shutdownTimeoutTicks;
    private uint _lastLocalPort = LocalPortBase;
    private bool _listenerPaused;
    private bool _disposed;

    /// <summary>Binds the listening socket; throws <see cref="VsockException"/> when the options or the path are unusable.</summary>
    public VsockMuxer(VsockMuxerOptions options, IVsockSocketPoller poller, VsockCounters counters, ILogger logger, TimeProvider time)
    {
        options.Validate();
        _options = options;
        _poller = poller;
        Counters = counters;
        _logger = logger;
        _time = time;
        _handshakeTimeoutTicks = Ticks(options.HandshakeTimeout);
        _connectTimeoutTicks = Ticks(options.ConnectTimeout);
        _shutdownTimeoutTicks = Ticks(options.ShutdownTimeout);
        _listener = BindListener(options.UdsPath);
        try
        {
            _poller.SetInterest(_listener, VsockSocketInterest.Readable);
        }
        catch
        {
            CloseListener();
            throw;
        }
    }

    public VsockCounters Counters { get; }

    public ulong GuestCid => _options.GuestCid;

    /// <summary>Connections (host- and guest-initiated) the muxer holds.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Host clients still sending their CONNECT line.</summary>
    public int HandshakeCount => _handshakes.Count;

    /// <summary>Whether something is waiting for a guest receive buffer.</summary>
    public bool HasPendingRx => _pendingRsts.Count > 0 || _rxQueue.Count > 0;

    /// <summary>Whether anything runs against a clock (the device keeps its timer going while true).</summary>
    public bool HasDeadlines => _handshakes.Count > 0 || _connections.Count > 0 || _listenerPaused;

    /// <summary>The state of the connection <paramref name="key"/> (for tests and diagnostics), or null.</summary>
    public VsockConnectionState? StateOf(VsockConnectionKey key) => _connections.TryGetValue(key, out VsockConnection? c) ? c.State : null;

    /// <summary>The interest the connection's host socket is watched for (for tests and diagnostics).</summary>
    public VsockSocketInterest? InterestOf(VsockConnectionKey key) =>
        _connections.TryGetValue(key, out VsockConnection? c) ? c.RegisteredInterest : null;

    /// <summary>The keys of the current connections.</summary>
    public IReadOnlyList<VsockConnectionKey> ConnectionKeys => [.. _connections.Keys];

    private long Now => _time.GetTimestamp();

    /// <summary>
    /// A packet the guest put on the transmit queue, as <see cref="VsockPacket.TryParse"/> left it. Malformed
    /// packets are answered with RST where the header can be trusted to name a connection.
    /// </summary>
    public void HandleGuestPacket(VsockPacketError error, in VsockPacket packet)
    {
        Counters.Increment(VsockCounter.TxPackets);
        if (error == VsockPacketError.HeaderTooShort)
        {
            Counters.Increment(VsockCounter.MalformedPackets);
            GuestWarning("dropped a transmit buffer shorter than the {HeaderSize}-byte header", VsockPacket.HeaderSize);
            return;
        }
        VsockHeader header = packet.Header;
        if (header.SrcCid != _options.GuestCid || header.DstCid != VsockCid.Host)
        {
            // Not ours to answer (Firecracker drops these too): a packet naming other CIDs is no connection of this guest.
            Counters.Increment(VsockCounter.MisaddressedPackets);
            GuestWarning("dropped a packet with src_cid {SrcCid} / dst_cid {DstCid} (expected {GuestCid} / {HostCid}): {Header}",
                header.SrcCid, header.DstCid, _options.GuestCid, VsockCid.Host, header);
            return;
        }
        VsockConnectionKey key = VsockConnectionKey.FromGuestPacket(header);
        _connections.TryGetValue(key, out VsockConnection? connection);
        if (error != VsockPacketError.None)
        {
            Counters.Increment(VsockCounter.MalformedPackets);
            GuestWarning("malformed packet ({Error}): {Header}; answered with RST", error, header);
            if (connection is not null)
            {
                End(connection, VsockConnectionOutcome.Kill, $"malformed packet: {error}");
            }
            else if (header.Operation != VsockOp.Rst)
            {
                QueueRst(key);
            }
            return;
        }
        if (connection is not null)
        {
            if (header.Operation == VsockOp.Rst)
            {
                End(connection, VsockConnectionOutcome.Close, connection.State == VsockConnectionState.LocalInit
                    ? "the guest refused the connection (RST)" : "the guest reset the connection (RST)");
                return;
            }
            if (header.Operation == VsockOp.Rw)
            {
                Counters.Add(VsockCounter.TxBytes, packet.Payload.Length);
            }
            VsockConnectionOutcome outcome = connection.HandleGuestPacket(header, packet.Payload, Now);
            if (outcome == VsockConnectionOutcome.Kill)
            {
                Counters.Increment(VsockCounter.ProtocolViolations);
            }
            Settle(connection, outcome);
            return;
        }
        switch (header.Operation)
        {
            case VsockOp.Request:
                ConnectToHost(header, key);
                break;
            case VsockOp.Rst:
                break;
            default:
                Counters.Increment(VsockCounter.UnknownConnectionPackets);
                GuestWarning("{Op} for no connection ({Key}); answered with RST", header.Operation, key);
                QueueRst(key);
                break;
        }
    }

    /// <summary>
    /// Writes the next packet for the guest into <paramref name="buffer"/> (more than <see cref="VsockPacket.HeaderSize"/>
    /// bytes) and returns its length, or 0 when nothing is waiting. Stray RSTs go first, then connections in turn.
    /// </summary>
    public int ProduceRx(Span<byte> buffer)
    {
        int rounds = _rxQueue.Count + 1;
        while (rounds-- > 0)
        {
            if (_pendingRsts.TryDequeue(out VsockConnectionKey rstKey))
            {
                new VsockHeader(VsockCid.Host, _options.GuestCid, rstKey.LocalPort, rstKey.PeerPort, 0, (ushort)VsockSocketType.Stream,
                    (ushort)VsockOp.Rst, 0, 0, 0).Write(buffer);
                Counters.Increment(VsockCounter.RstsSent);
                Counters.Increment(VsockCounter.RxPackets);
                return VsockPacket.HeaderSize;
            }
            if (!_rxQueue.TryDequeue(out VsockConnectionKey key))
            {
                return 0;
            }
            _rxQueued.Remove(key);
            if (!_connections.TryGetValue(key, out VsockConnection? connection))
            {
                continue;
            }
            int length = connection.ProduceRx(buffer, _options.GuestCid, Now, out VsockConnectionOutcome outcome);
            Settle(connection, outcome);
            if (length > 0)
            {
                Counters.Increment(VsockCounter.RxPackets);
                Counters.Add(VsockCounter.RxBytes, length - VsockPacket.HeaderSize);
                return length;
            }
        }
        return 0;
    }

    /// <summary>The poller reported <paramref name="socket"/> ready (possibly late: unknown sockets are ignored).</summary>
    public void HandleSocketReady(UnixStreamSocket socket, VsockSocketInterest ready)
    {
        if (_disposed)
        {
            return;
        }
        if (ReferenceEquals(socket, _listener))
        {
            AcceptHostClients();
        }
        else if (_handshakes.TryGetValue(socket, out VsockHostHandshake? handshake))
        {
            ReadHandshake(handshake);
        }
        else if (_bySocket.TryGetValue(socket, out VsockConnection? connection))
        {
            Settle(connection, connection.HandleSocketReady(ready, Now));
        }
    }

    /// <summary>Drops host clients and connections whose time is up, and listens again after an accept failure.</summary>
    public void Sweep()
    {
        if (_disposed)
        {
            return;
        }
        long now = Now;
        foreach (VsockHostHandshake handshake in _handshakes.Values.Where(h => now >= h.Deadline).ToList())
        {
            Reject(handshake, $"no complete CONNECT line within {_options.HandshakeTimeout.TotalSeconds} s");
        }
        foreach (VsockConnection connection in _connections.Values.ToList())
        {
            VsockConnectionOutcome outcome = connection.CheckDeadline(now);
            if (outcome != VsockConnectionOutcome.Keep)
            {
                Settle(connection, outcome);
            }
        }
        if (_listenerPaused)
        {
            _listenerPaused = false;
            _poller.SetInterest(_listener, VsockSocketInterest.Readable);
        }
    }

    /// <summary>
    /// The device was reset (the guest driver is gone): every connection is closed without a word to the guest, and
    /// what was queued for it is dropped. Host clients still in their handshake and the listener stay.
    /// </summary>
    public void CloseAllConnections(string reason)
    {
        foreach (VsockConnection connection in _connections.Values.ToList())
        {
            Remove(connection);
            _logger.Debug("vsock: closed {Key}: {Reason}", connection.Key, reason);
        }
        _rxQueue.Clear();
        _rxQueued.Clear();
        _pendingRsts.Clear();
    }

    /// <summary>Closes everything, the listener included, and removes the socket file.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        CloseAllConnections("the device is shutting down");
        foreach (VsockHostHandshake handshake in _handshakes.Values.ToList())
        {
            Forget(handshake.Socket);
        }
        _handshakes.Clear();
        CloseListener();
    }

    private long Ticks(TimeSpan span) => (long)Math.Min(span.TotalSeconds * _time.TimestampFrequency, long.MaxValue / 4);

    private UnixStreamSocket BindListener(string path)
    {
        if (!UnixStreamSocket.IsValidPath(path) || !UnixStreamSocket.IsValidPath($"{path}_{uint.MaxValue}"))
        {
            throw new VsockException($"vsock: the Unix socket path '{path}' (--vsock-uds) is too long: it and '{path}_{uint.MaxValue}' " +
                "must fit in 107 bytes (sockaddr_un)");
        }
        try
        {
            return UnixStreamSocket.Listen(path, backlog: 128);
        }
        catch (SystemCallException e) when (e.ErrorNumber == UnixSocketCalls.EADDRINUSE)
        {
            throw new VsockException($"vsock: '{path}' (--vsock-uds) already exists; remove it (a socket left by an earlier run?) or choose another path", e);
        }
        catch (SystemCallException e)
        {
            throw new VsockException($"vsock: cannot listen on '{path}' (--vsock-uds): {e.Message}", e);
        }
    }

    private void CloseListener()
    {
        Forget(_listener);
        _ = UnixSocketCalls.Unlink(_options.UdsPath);
    }

    /// <summary>The guest's REQUEST for host port P: connect to PATH_P now (a Unix connect does not wait) and answer.</summary>
    private void ConnectToHost(in VsockHeader request, VsockConnectionKey key)
    {
        if (_connections.Count + _handshakes.Count >= _options.MaxConnections)
        {
            Counters.Increment(VsockCounter.GuestConnectsRefused);
            GuestWarning("refused the guest's connection to port {Port}: {Max} connections are open already", request.DstPort, _options.MaxConnections);
            QueueRst(key);
            return;
        }
        string path = $"{_options.UdsPath}_{request.DstPort}";
        UnixStreamSocket? socket = UnixStreamSocket.TryConnect(path, out int errno);
        if (socket is null)
        {
            Counters.Increment(VsockCounter.GuestConnectsRefused);
            GuestWarning("the guest's connection to port {Port} was refused: {Path}: {Error}", request.DstPort, path, UnixStreamSocket.Describe(errno));
            QueueRst(key);
            return;
        }
        Add(VsockConnection.PeerInit(socket, key, _options, request, _shutdownTimeoutTicks));
        _logger.Debug("vsock: guest connected to {Path} ({Key})", path, key);
    }

    private void Add(VsockConnection connection)
    {
        _connections.Add(connection.Key, connection);
        _bySocket.Add(connection.Socket, connection);
        Counters.Increment(VsockCounter.ConnectionsOpened);
        Settle(connection, VsockConnectionOutcome.Keep);
    }

    /// <summary>After anything happened to a connection: end it, or queue it for the guest and update its socket's interest.</summary>
    private void Settle(VsockConnection connection, VsockConnectionOutcome outcome)
    {
        if (outcome != VsockConnectionOutcome.Keep)
        {
            End(connection, outcome, connection.EndReason ?? outcome.ToString());
            return;
        }
        if (connection.HasPendingRx && _rxQueued.Add(connection.Key))
        {
            _rxQueue.Enqueue(connection.Key);
        }
        VsockSocketInterest interest = connection.Interest;
        if (interest != connection.RegisteredInterest)
        {
            _poller.SetInterest(connection.Socket, interest);
            connection.RegisteredInterest = interest;
        }
    }

    private void End(VsockConnection connection, VsockConnectionOutcome outcome, string reason)
    {
        if (!_connections.TryGetValue(connection.Key, out VsockConnection? current) || !ReferenceEquals(current, connection))
        {
            return;
        }
        if (outcome == VsockConnectionOutcome.Kill)
        {
            Counters.Increment(VsockCounter.ConnectionsKilled);
            GuestWarning("reset {Key}: {Reason}", connection.Key, reason);
        }
        else
        {
            _logger.Debug("vsock: closed {Key}: {Reason}", connection.Key, reason);
        }
        Remove(connection);
        if (outcome is VsockConnectionOutcome.Kill or VsockConnectionOutcome.CloseWithRst)
        {
            QueueRst(connection.Key);
        }
    }

    private void Remove(VsockConnection connection)
    {
        _connections.Remove(connection.Key);
        _bySocket.Remove(connection.Socket);
        Counters.Increment(VsockCounter.ConnectionsClosed);
        Forget(connection.Socket);
    }

    /// <summary>Stops watching <paramref name="socket"/> and closes it.</summary>
    private void Forget(UnixStreamSocket socket)
    {
        try
        {
            _poller.Forget(socket);
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>An RST for the guest that no connection holds; bounded, so a guest that floods without reading cannot grow it.</summary>
    private void QueueRst(VsockConnectionKey key)
    {
        if (_pendingRsts.Count >= _options.MaxPendingRsts)
        {
            Counters.Increment(VsockCounter.RstsDropped);
            return;
        }
        _pendingRsts.Enqueue(key);
    }

    private void GuestWarning(string template, params object?[] values)
    {
        if (_guestWarnings.TryEnter(out long suppressed))
        {
            _logger.Warning("vsock: " + template + " ({Suppressed} similar warnings suppressed)", [.. values, suppressed]);
        }
    }

    private void HostWarning(string template, params object?[] values)
    {
        if (_hostWarnings.TryEnter(out long suppressed))
        {
            _logger.Warning("vsock: " + template + " ({Suppressed} similar warnings suppressed)", [.. values, suppressed]);
        }
    }
}
