using System.Globalization;
using System.Text;

namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// One stream connection between a guest port and a host Unix socket: the connection state machine of Firecracker's
/// csm/connection.rs. It keeps the credit accounting of virtio 1.2 §5.10.6.3 in both directions:
/// <list type="bullet">
/// <item>guest → host: the guest may have <c>buf_alloc</c> (= <see cref="VsockMuxerOptions.TxBufferSize"/>) bytes in
/// flight that the host socket has not taken yet; they wait in a bounded <see cref="VsockTxBuffer"/>, and
/// <c>fwd_cnt</c> counts what the host socket took. A guest that sends more than its credit is reset.</item>
/// <item>host → guest: the host socket is read only while the guest has credit (its <c>buf_alloc</c> minus what is in
/// flight since its last <c>fwd_cnt</c>) and no read is already waiting for a receive buffer, so a guest that stops
/// reading stops the host socket from being drained: the buffering on the host side is the socket's own.</item>
/// </list>
/// Errors never throw: they are an <see cref="VsockConnectionOutcome"/> the muxer acts on, with <see cref="EndReason"/>
/// saying why. Not thread-safe (the device's lock covers it).
/// </summary>
internal sealed class VsockConnection
{
    /// <summary>Room for "OK 4294967295\n" on top of the guest's credit in the host-bound buffer.</summary>
    private const int OkLineSlack = 16;

    private readonly VsockMuxerOptions _options;
    private readonly VsockTxBuffer _txBuffer;
    private readonly uint _creditUpdateThreshold;
    private readonly long _shutdownTimeoutTicks;
    private VsockPendingRx _pendingRx;
    private uint _peerBufAlloc;
    private uint _peerFwdCnt;
    private uint _rxCnt;
    private uint _fwdCnt;
    private uint _lastFwdCntToPeer;
    private VsockShutdownFlags _peerShutdown;
    private bool _hostWriteShut;

    private VsockConnection(UnixStreamSocket socket, VsockConnectionKey key, VsockMuxerOptions options, VsockConnectionState state, VsockPendingRx pending,
        long shutdownTimeoutTicks)
    {
        _shutdownTimeoutTicks = shutdownTimeoutTicks;
        Socket = socket;
        Key = key;
        _options = options;
        State = state;
        _pendingRx = pending;
        _txBuffer = new VsockTxBuffer(options.TxBufferSize + OkLineSlack);
        // Tell the guest about forwarded bytes once half its window has been freed: often enough that a guest out of
        // credit hears about it (it is told at the latest when the buffer drains), rarely enough to stay cheap.
        _creditUpdateThreshold = (uint)options.TxBufferSize / 2;
    }

    public VsockConnectionKey Key { get; }

    public UnixStreamSocket Socket { get; }

    public VsockConnectionState State { get; private set; }

    /// <summary>When the connection is killed unless it moves on (a <see cref="TimeProvider"/> timestamp), or null.</summary>
    public long? Deadline { get; private set; }

    /// <summary>Why the connection ended (for the log), once an outcome other than Keep was returned.</summary>
    public string? EndReason { get; private set; }

    /// <summary>The interest last given to the poller (the muxer skips unchanged ones).</summary>
    public VsockSocketInterest RegisteredInterest { get; set; }

    public bool HasPendingRx => _pendingRx != VsockPendingRx.None;

    /// <summary>Guest-bound bytes buffered for the host socket.</summary>
    public int BufferedForHost => _txBuffer.Length;

    /// <summary>Bytes the guest can still take (its buf_alloc minus what is in flight since its last fwd_cnt).</summary>
    public uint PeerAvailableCredit
    {
        get
        {
            uint inFlight = _rxCnt - _peerFwdCnt;
            return inFlight >= _peerBufAlloc ? 0 : _peerBufAlloc - inFlight;
        }
    }

    /// <summary>What the host socket must be watched for now.</summary>
    public VsockSocketInterest Interest
    {
        get
        {
            var interest = VsockSocketInterest.None;
            if (CanReadHost && (_pendingRx & VsockPendingRx.Rw) == 0 && PeerAvailableCredit > 0)
            {
                interest |= VsockSocketInterest.Readable;
            }
            if (!_txBuffer.IsEmpty)
            {
                interest |= VsockSocketInterest.Writable;
            }
            return interest;
        }
    }

    /// <summary>Host data may still go to the guest.</summary>
    private bool CanReadHost =>
        State == VsockConnectionState.Established
        || (State == VsockConnectionState.PeerClosed && (_peerShutdown & VsockShutdownFlags.Receive) == 0);

    /// <summary>
    /// A host client sent <c>CONNECT port</c>: a REQUEST goes to the guest, which has until <paramref name="deadline"/>
    /// to answer. <paramref name="shutdownTimeoutTicks"/> is <see cref="VsockMuxerOptions.ShutdownTimeout"/> on the
    /// muxer's clock.
    /// </summary>
    public static VsockConnection LocalInit(UnixStreamSocket socket, VsockConnectionKey key, VsockMuxerOptions options, long deadline,
        long shutdownTimeoutTicks) =>
        new(socket, key, options, VsockConnectionState.LocalInit, VsockPendingRx.Request, shutdownTimeoutTicks) { Deadline = deadline };

    /// <summary>The guest's REQUEST reached a listener at PATH_port: a RESPONSE goes to the guest.</summary>
    public static VsockConnection PeerInit(UnixStreamSocket socket, VsockConnectionKey key, VsockMuxerOptions options, in VsockHeader request,
        long shutdownTimeoutTicks)
    {
        var connection = new VsockConnection(socket, key, options, VsockConnectionState.PeerInit, VsockPendingRx.Response, shutdownTimeoutTicks);
        connection._peerBufAlloc = request.BufAlloc;
        connection._peerFwdCnt = request.FwdCnt;
        return connection;
    }

    /// <summary>A packet from the guest for this connection (not RST, which the muxer handles); the header is validated.</summary>
    public VsockConnectionOutcome HandleGuestPacket(in VsockHeader header, ReadOnlySpan<byte> payload, long now)
    {
        // Every packet carries the sender's current credit (§5.10.6.3).
        _peerBufAlloc = header.BufAlloc;
        _peerFwdCnt = header.FwdCnt;
        switch (header.Operation)
        {
            case VsockOp.Response when State == VsockConnectionState.LocalInit:
                State = VsockConnectionState.Established;
                Deadline = null;
                return SendOkLine();
            case VsockOp.Rw when State is VsockConnectionState.Established or VsockConnectionState.LocalClosed
                || (State == VsockConnectionState.PeerClosed && (_peerShutdown & VsockShutdownFlags.Send) == 0):
                return ForwardToHost(payload);
            case VsockOp.Shutdown when State is VsockConnectionState.Established or VsockConnectionState.PeerClosed or VsockConnectionState.LocalClosed:
                _peerShutdown |= (VsockShutdownFlags)header.Flags & VsockShutdownFlags.Both;
                if (State == VsockConnectionState.Established)
                {
                    State = VsockConnectionState.PeerClosed;
                }
                return ApplyPeerShutdown(now);
            case VsockOp.CreditUpdate:
                return VsockConnectionOutcome.Keep;
            case VsockOp.CreditRequest when State != VsockConnectionState.LocalInit:
                _pendingRx |= VsockPendingRx.CreditUpdate;
                return VsockConnectionOutcome.Keep;
            default:
                return Kill($"{header.Operation} is not valid in state {State}");
        }
    }

    /// <summary>The poller reported the host socket ready (possibly spuriously).</summary>
    public VsockConnectionOutcome HandleSocketReady(VsockSocketInterest ready, long now)
    {
        if ((ready & VsockSocketInterest.Readable) != 0 && CanReadHost)
        {
            // Read later, straight into a guest receive buffer (Firecracker's PendingRx::Rw).
            _pendingRx |= VsockPendingRx.Rw;
        }
        if ((ready & VsockSocketInterest.Writable) != 0 && !_txBuffer.IsEmpty)
        {
            _fwdCnt += (uint)_txBuffer.FlushTo(Socket, out int errno);
            if (errno != 0)
            {
                return Kill($"writing to the host socket failed: {UnixStreamSocket.Describe(errno)}");
            }
            if (_txBuffer.IsEmpty)
            {
                VsockConnectionOutcome outcome = ApplyPeerShutdown(now);
                if (outcome != VsockConnectionOutcome.Keep)
                {
                    return outcome;
                }
            }
            RequestCreditUpdateIfDue();
        }
        return VsockConnectionOutcome.Keep;
    }

    /// <summary>Kills the connection when its deadline has passed.</summary>
    public VsockConnectionOutcome CheckDeadline(long now)
    {
        if (Deadline is not { } deadline || now < deadline)
        {
            return VsockConnectionOutcome.Keep;
        }
        return Kill(State == VsockConnectionState.LocalInit
            ? $"the guest did not answer the connection request within {_options.ConnectTimeout.TotalSeconds} s"
            : $"the connection did not finish closing within {_options.ShutdownTimeout.TotalSeconds} s");
    }

    /// <summary>
    /// Writes the next packet this connection owes the guest into <paramref name="buffer"/> (at least
    /// <see cref="VsockPacket.HeaderSize"/> + 1 bytes) and returns its length, or 0 when it has nothing to say.
    /// Host data is read straight into the payload part, no more than the guest's credit.
    /// </summary>
    public int ProduceRx(Span<byte> buffer, ulong guestCid, long now, out VsockConnectionOutcome outcome)
    {
        outcome = VsockConnectionOutcome.Keep;
        if (Take(VsockPendingRx.Response))
        {
            // The guest learns of the connection now: data may flow from here (Firecracker's recv_pkt does the same).
            State = VsockConnectionState.Established;
            return Emit(buffer, guestCid, VsockOp.Response);
        }
        if (Take(VsockPendingRx.Request))
        {
            return Emit(buffer, guestCid, VsockOp.Request);
        }
        if (Take(VsockPendingRx.Rw) && CanReadHost)
        {
            uint credit = PeerAvailableCredit;
            if (credit == 0)
            {
                // The guest has not told us about freed space: ask (its CREDIT_UPDATE re-arms the read).
                _pendingRx &= ~VsockPendingRx.CreditRequest;
                return Emit(buffer, guestCid, VsockOp.CreditRequest);
            }
            int room = (int)Math.Min((uint)Math.Min(buffer.Length - VsockPacket.HeaderSize, VsockPacket.MaxPayloadSize), credit);
            int read = Socket.Receive(buffer.Slice(VsockPacket.HeaderSize, room), out int errno);
            if (read > 0)
            {
                _rxCnt += (uint)read;
                if (PeerAvailableCredit == 0)
                {
                    // Reading stops here until the guest reports freed space; ask it to (Linux answers with CREDIT_UPDATE).
                    _pendingRx |= VsockPendingRx.CreditRequest;
                }
                else if (read == room)
                {
                    // The read filled the buffer, so more is probably waiting: stay in line for the next receive buffer
                    // instead of a round through epoll for every packet (a read that would block re-arms readiness).
                    _pendingRx |= VsockPendingRx.Rw;
                }
                return Emit(buffer, guestCid, VsockOp.Rw, (uint)read);
            }
            if (read == 0)
            {
                // End of stream from the host: neither side sends any more; the guest answers with RST
                // (Firecracker's LocalClosed, bounded by the shutdown timeout).
                State = VsockConnectionState.LocalClosed;
                Deadline = now + _shutdownTimeoutTicks;
                return Emit(buffer, guestCid, VsockOp.Shutdown, flags: (uint)VsockShutdownFlags.Both);
            }
            if (!UnixStreamSocket.WouldBlock(errno))
            {
                outcome = Kill($"reading from the host socket failed: {UnixStreamSocket.Describe(errno)}");
                return 0;
            }
        }
        if (Take(VsockPendingRx.CreditRequest))
        {
            return Emit(buffer, guestCid, VsockOp.CreditRequest);
        }
        if (Take(VsockPendingRx.CreditUpdate))
        {
            return Emit(buffer, guestCid, VsockOp.CreditUpdate);
        }
        return 0;
    }

    private bool Take(VsockPendingRx flag)
    {
        if ((_pendingRx & flag) == 0)
        {
            return false;
        }
        _pendingRx &= ~flag;
        return true;
    }

    private int Emit(Span<byte> buffer, ulong guestCid, VsockOp op, uint length = 0, uint flags = 0)
    {
        new VsockHeader(VsockCid.Host, guestCid, Key.LocalPort, Key.PeerPort, length, (ushort)VsockSocketType.Stream, (ushort)op, flags,
            (uint)_options.TxBufferSize, _fwdCnt).Write(buffer);
        _lastFwdCntToPeer = _fwdCnt;
        return VsockPacket.HeaderSize + (int)length;
    }

    /// <summary>The hybrid-vsock acknowledgement to the host client: <c>OK &lt;host port&gt;\n</c> (Firecracker's unix/muxer.rs).</summary>
    private VsockConnectionOutcome SendOkLine()
    {
        byte[] line = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"OK {Key.LocalPort}\n"));
        int sent = Socket.Send(line, out int errno);
        if (sent < 0)
        {
            if (!UnixStreamSocket.WouldBlock(errno))
            {
                return Kill($"writing the OK line to the host client failed: {UnixStreamSocket.Describe(errno)}");
            }
            sent = 0;
        }
        // Not part of the guest's stream, so not counted in fwd_cnt; the buffer has room for it beyond the credit.
        _txBuffer.TryAppend(line.AsSpan(sent));
        return VsockConnectionOutcome.Keep;
    }

    private VsockConnectionOutcome ForwardToHost(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return VsockConnectionOutcome.Keep;
        }
        if (!_txBuffer.IsEmpty)
        {
            // Keep the order: behind what is already waiting.
            return _txBuffer.TryAppend(payload)
                ? VsockConnectionOutcome.Keep
                : Kill($"the guest sent more than its credit ({_options.TxBufferSize} bytes buffered for a host socket that does not read)");
        }
        int sent = Socket.Send(payload, out int errno);
        if (sent < 0)
        {
            if (!UnixStreamSocket.WouldBlock(errno))
            {
                return Kill($"writing to the host socket failed: {UnixStreamSocket.Describe(errno)}");
            }
            sent = 0;
        }
        _fwdCnt += (uint)sent;
        if (sent < payload.Length && !_txBuffer.TryAppend(payload[sent..]))
        {
            return Kill("the guest sent more than its credit");
        }
        RequestCreditUpdateIfDue();
        return VsockConnectionOutcome.Keep;
    }

    /// <summary>After a guest SHUTDOWN or a drained buffer: pass the guest's end of stream on, and end the connection once no direction is left.</summary>
    private VsockConnectionOutcome ApplyPeerShutdown(long now)
    {
        bool guestSendsNoMore = (_peerShutdown & VsockShutdownFlags.Send) != 0;
        bool hostSendsNoMore = (_peerShutdown & VsockShutdownFlags.Receive) != 0 || State == VsockConnectionState.LocalClosed;
        if (guestSendsNoMore && _txBuffer.IsEmpty && !_hostWriteShut)
        {
            // The host client reads end of stream, as a peer of a half-closed socket would.
            Socket.ShutdownWrite();
            _hostWriteShut = true;
        }
        if (guestSendsNoMore && hostSendsNoMore)
        {
            if (_txBuffer.IsEmpty)
            {
                EndReason = "both sides shut down";
                return VsockConnectionOutcome.CloseWithRst;
            }
            // Let the buffered data drain into the host socket first, within the shutdown timeout.
            Deadline ??= now + _shutdownTimeoutTicks;
        }
        return VsockConnectionOutcome.Keep;
    }

    private void RequestCreditUpdateIfDue()
    {
        if (_fwdCnt - _lastFwdCntToPeer >= _creditUpdateThreshold)
        {
            _pendingRx |= VsockPendingRx.CreditUpdate;
        }
    }

    private VsockConnectionOutcome Kill(string reason)
    {
        EndReason = reason;
        return VsockConnectionOutcome.Kill;
    }
}
