namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>Host clients on the listening socket: accepting them and reading their <c>CONNECT &lt;port&gt;\n</c> line.</summary>
internal sealed partial class VsockMuxer
{
    private void AcceptHostClients()
    {
        for (int i = 0; i < AcceptBatch; i++)
        {
            UnixStreamSocket? client = _listener.TryAccept(out int errno);
            if (client is null)
            {
                if (!UnixStreamSocket.WouldBlock(errno))
                {
                    // EMFILE and friends: the listener would stay readable and spin the loop; try again at the next sweep.
                    _listenerPaused = true;
                    _poller.SetInterest(_listener, VsockSocketInterest.None);
                    HostWarning("accepting a host client on {Path} failed: {Error}; paused", _options.UdsPath, UnixStreamSocket.Describe(errno));
                }
                return;
            }
            Counters.Increment(VsockCounter.HostClientsAccepted);
            if (_connections.Count + _handshakes.Count >= _options.MaxConnections)
            {
                Counters.Increment(VsockCounter.HandshakesRejected);
                HostWarning("refused a host client: {Max} connections are open already", _options.MaxConnections);
                client.Dispose();
                continue;
            }
            var handshake = new VsockHostHandshake(client, Now + _handshakeTimeoutTicks);
            _handshakes.Add(client, handshake);
            _poller.SetInterest(client, VsockSocketInterest.Readable);
        }
    }

    /// <summary>
    /// Reads the CONNECT line without taking a byte past its newline (peek, then consume exactly the line): what the
    /// client sends right after it is the start of its stream and is left in the socket for the guest.
    /// </summary>
    private void ReadHandshake(VsockHostHandshake handshake)
    {
        Span<byte> bytes = stackalloc byte[VsockHostHandshake.MaxLineLength];
        bytes = bytes[..handshake.Room];
        int peeked = handshake.Socket.Receive(bytes, out int errno, peek: true);
        if (peeked < 0)
        {
            if (!UnixStreamSocket.WouldBlock(errno))
            {
                Reject(handshake, $"reading the CONNECT line failed: {UnixStreamSocket.Describe(errno)}");
            }
            return;
        }
        if (peeked == 0)
        {
            Reject(handshake, handshake.Length == 0
                ? "the client closed without sending a CONNECT line"
                : $"the client closed in the middle of its CONNECT line ('{VsockHostHandshake.Printable(handshake.Line)}')");
            return;
        }
        int newline = bytes[..peeked].IndexOf((byte)'\n');
        int wanted = newline >= 0 ? newline + 1 : peeked;
        int taken = handshake.Socket.Receive(bytes[..wanted], out errno);
        if (taken <= 0)
        {
            Reject(handshake, $"reading the CONNECT line failed: {(taken == 0 ? "end of stream" : UnixStreamSocket.Describe(errno))}");
            return;
        }
        handshake.Append(bytes[..taken]);
        if (newline < 0 || taken < wanted)
        {
            if (handshake.Room == 0)
            {
                Reject(handshake, $"no newline within {VsockHostHandshake.MaxLineLength} bytes");
            }
            return;
        }
        if (!VsockHostHandshake.TryParseConnect(handshake.Line, out uint port, out string parseError))
        {
            Reject(handshake, parseError);
            return;
        }
        if (!TryAllocateLocalPort(port, out VsockConnectionKey key))
        {
            Reject(handshake, "no free host port");
            return;
        }
        _handshakes.Remove(handshake.Socket);
        var connection = VsockConnection.LocalInit(handshake.Socket, key, _options, Now + _connectTimeoutTicks, _shutdownTimeoutTicks);
        // The socket was watched for its line; from here the connection says what it wants (nothing until established).
        connection.RegisteredInterest = VsockSocketInterest.Readable;
        Add(connection);
        _logger.Debug("vsock: host client asks for guest port {Port} ({Key})", port, key);
    }

    private void Reject(VsockHostHandshake handshake, string reason)
    {
        // Counted and logged before the close, so whoever sees the close also finds the log line.
        _handshakes.Remove(handshake.Socket);
        Counters.Increment(VsockCounter.HandshakesRejected);
        HostWarning("closed a host client on {Path}: {Reason}", _options.UdsPath, reason);
        Forget(handshake.Socket);
    }

    private bool TryAllocateLocalPort(uint guestPort, out VsockConnectionKey key)
    {
        for (int attempt = 0; attempt <= _options.MaxConnections; attempt++)
        {
            _lastLocalPort = ((_lastLocalPort + 1) & ~(1u << 31)) | LocalPortBase;
            key = new VsockConnectionKey(_lastLocalPort, guestPort);
            if (!_connections.ContainsKey(key))
            {
                return true;
            }
        }
        key = default;
        return false;
    }
}
