using System.Buffers.Binary;
using Serilog;

namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// virtio-vsock with Firecracker's hybrid design (virtio 1.2 §5.10; device ID 19): three queues (rx, tx, event), the
/// configuration space holding guest_cid (le64), no device feature bits (stream sockets only), and the host side in a
/// <see cref="VsockMuxer"/> on Unix sockets (Firecracker's devices/virtio/vsock/device.rs + unix/muxer.rs).
/// <para>
/// Packets are parsed from the logical bytes of a chain, so the header and payload may come in one descriptor (Linux
/// 6.3 and later) or in any number of them; receive buffers are filled the same way. Work is bounded per call (one
/// queue's worth of chains); more is asked for through <see cref="VirtioDeviceContext.RequestQueueProcessing"/>.
/// </para>
/// <para>
/// Threading: the transport calls <see cref="IVirtioDevice"/> members with its lock held; socket readiness and the
/// timer arrive on the poller's thread (the VMM's event loop) and take the transport's lock first, then the device's
/// (<see cref="VirtioDeviceContext.SyncRoot"/> → <c>_lock</c>, the order every path uses). The muxer binds its socket
/// when the device is created, so host clients may connect before the guest driver is up: their requests wait for it
/// within the connect timeout.
/// </para>
/// </summary>
public sealed class VirtioVsock : IVirtioDevice, IVirtioDeviceCounters, IDisposable
{
    /// <summary>Queue size offered (Firecracker's FIRECRACKER_MAX_QUEUE_SIZE).</summary>
    public const ushort QueueSize = 256;

    public const int RxQueue = 0;
    public const int TxQueue = 1;
    public const int EventQueue = 2;

    /// <summary>The configuration space: guest_cid, le64 (§5.10.4).</summary>
    private const int ConfigSize = 8;

    private readonly object _lock = new();
    private readonly VsockMuxerOptions _options;
    private readonly IVsockSocketPoller _poller;
    private readonly ILogger _logger;
    private readonly VsockMuxer _muxer;
    private readonly ITimer _timer;
    private readonly TimeSpan _sweepPeriod;
    private readonly byte[] _packetBuffer = new byte[VsockPacket.MaxPacketSize];
    private readonly RateLimitedLog _errors = new();
    private VirtioDeviceContext? _context;
    private bool _timerArmed;
    private bool _disposed;

    /// <param name="options">CID, Unix socket path, limits; checked here (<see cref="VsockException"/>).</param>
    /// <param name="poller">Socket readiness (<see cref="VsockEventLoopPoller"/> on the VMM's event loop); owned by the device from here.</param>
    /// <param name="logger">For connection events and rate-limited warnings about the guest and host clients.</param>
    /// <param name="time">The clock for handshake, connect and shutdown timeouts (tests may speed it up).</param>
    public VirtioVsock(VsockMuxerOptions options, IVsockSocketPoller poller, ILogger logger, TimeProvider? time = null)
    {
        _options = options;
        _poller = poller;
        _logger = logger.ForContext<VirtioVsock>();
        time ??= TimeProvider.System;
        // Held until construction is complete: a host client may connect the moment the listener is registered, and
        // its readiness handler waits for this lock.
        lock (_lock)
        {
            _poller.Start(OnSocketReady);
            try
            {
                _muxer = new VsockMuxer(options, poller, Counters, _logger, time);
            }
            catch
            {
                _poller.Dispose();
                throw;
            }
            TimeSpan shortest = new[] { options.HandshakeTimeout, options.ConnectTimeout, options.ShutdownTimeout }.Min();
            _sweepPeriod = TimeSpan.FromMilliseconds(Math.Clamp(shortest.TotalMilliseconds / 4, 10, 250));
            _timer = time.CreateTimer(_ => _poller.Post(OnTimer), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        _logger.Information("vsock: guest CID {Cid}, host socket {Path}", options.GuestCid, options.UdsPath);
    }

    public VirtioDeviceType DeviceType => VirtioDeviceType.Vsock;

    /// <summary>No device feature bits (§5.10.3: without VIRTIO_VSOCK_F_SEQPACKET only stream sockets); the queues handle indirect descriptors and event indexes.</summary>
    public ulong AvailableFeatures => VirtioFeatures.Version1 | VirtioFeatures.EventIndex | VirtioFeatures.IndirectDescriptors;

    public IReadOnlyList<ushort> QueueMaxSizes { get; } = [QueueSize, QueueSize, QueueSize];

    public uint ConfigGeneration => 0;

    public ulong GuestCid => _options.GuestCid;

    public string UdsPath => _options.UdsPath;

    /// <summary>The device's metrics.</summary>
    public VsockCounters Counters { get; } = new();

    /// <summary>
    /// Packets both ways are the completed requests; the errors are every cause of a refusal (malformed, misaddressed
    /// or unknown-connection packets, protocol violations, too-small receive buffers, rejected handshakes, guest connects
    /// nobody listens for, internal failures), the RSTs they led to are counted apart.
    /// </summary>
    public VirtioDeviceActivity ReadActivity() => new(
        RequestsCompleted: Counters[VsockCounter.TxPackets] + Counters[VsockCounter.RxPackets],
        BytesRead: Counters[VsockCounter.RxBytes],
        BytesWritten: Counters[VsockCounter.TxBytes],
        InvalidChains: Counters[VsockCounter.InvalidChains],
        Errors: Counters[VsockCounter.MalformedPackets] + Counters[VsockCounter.MisaddressedPackets] + Counters[VsockCounter.UnknownConnectionPackets]
            + Counters[VsockCounter.ProtocolViolations] + Counters[VsockCounter.RxBuffersTooSmall] + Counters[VsockCounter.HandshakesRejected]
            + Counters[VsockCounter.GuestConnectsRefused] + Counters[VsockCounter.InternalErrors],
        ResetsSent: Counters[VsockCounter.RstsSent]);

    public IReadOnlyDictionary<string, long> SnapshotCounters() => Counters.Snapshot();

    /// <summary>Connections open now.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _muxer.ConnectionCount;
            }
        }
    }

    /// <summary>Host clients still sending their CONNECT line.</summary>
    public int HandshakeCount
    {
        get
        {
            lock (_lock)
            {
                return _muxer.HandshakeCount;
            }
        }
    }

    internal VsockConnectionState? StateOf(VsockConnectionKey key)
    {
        lock (_lock)
        {
            return _muxer.StateOf(key);
        }
    }

    internal VsockSocketInterest? InterestOf(VsockConnectionKey key)
    {
        lock (_lock)
        {
            return _muxer.InterestOf(key);
        }
    }

    internal IReadOnlyList<VsockConnectionKey> ConnectionKeys
    {
        get
        {
            lock (_lock)
            {
                return _muxer.ConnectionKeys;
            }
        }
    }

    /// <summary>§5.10.4: guest_cid, le64; bytes past it read 0.</summary>
    public void ReadConfig(ulong offset, Span<byte> data)
    {
        Span<byte> config = stackalloc byte[ConfigSize];
        BinaryPrimitives.WriteUInt64LittleEndian(config, _options.GuestCid);
        data.Clear();
        if (offset < ConfigSize)
        {
            ReadOnlySpan<byte> available = config[(int)offset..];
            available[..Math.Min(available.Length, data.Length)].CopyTo(data);
        }
    }

    /// <summary>The configuration space is read-only (§5.10.4): writes are ignored.</summary>
    public void WriteConfig(ulong offset, ReadOnlySpan<byte> data)
    {
    }

    public void Activate(VirtioDeviceContext context)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _context = context;
            // Host clients may have connected before the driver was up: their REQUESTs are waiting.
            if (_muxer.HasPendingRx)
            {
                context.RequestQueueProcessing(RxQueue);
            }
        }
    }

    /// <summary>Device reset (§2.4): every connection is closed (their sockets released); the listener stays for the next driver.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _context = null;
            if (!_disposed)
            {
                _muxer.CloseAllConnections("the guest driver reset the device");
                UpdateTimer();
            }
        }
    }

    public void ProcessQueue(int queueIndex)
    {
        lock (_lock)
        {
            if (_context is not { } context || _disposed)
            {
                return;
            }
            try
            {
                switch (queueIndex)
                {
                    case TxQueue:
                        ProcessTx(context);
                        ProcessRx(context);
                        break;
                    case RxQueue:
                        ProcessRx(context);
                        break;
                    default:
                        // The event queue: the driver leaves buffers for VIRTIO_VSOCK_EVENT_TRANSPORT_RESET, which this
                        // device never sends (no live migration); they stay available.
                        break;
                }
            }
            catch (Exception e)
            {
                InternalError(e, $"processing queue {queueIndex}");
            }
            UpdateTimer();
        }
    }

    /// <summary>Closes every connection and the listener (removing its socket file), stops the timer and the poller.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _context = null;
            _muxer.Dispose();
        }
        _poller.Dispose();
    }

    /// <summary>Lock held. Each guest packet is copied out of its chain (header and payload, however split), parsed and handed to the muxer.</summary>
    private void ProcessTx(VirtioDeviceContext context)
    {
        VirtQueue queue = context.Queues[TxQueue];
        int budget = queue.Size;
        bool completed = false;
        while (budget > 0 && queue.TryPopAvailable(out DescriptorChain? chain))
        {
            budget--;
            if (!chain.IsValid)
            {
                Counters.Increment(VsockCounter.InvalidChains);
            }
            else
            {
                VsockPacketError error = VsockPacket.TryParse(TransmitBytes(context, chain), out VsockPacket packet);
                try
                {
                    _muxer.HandleGuestPacket(error, packet);
                }
                catch (Exception e)
                {
                    InternalError(e, "handling a guest packet");
                }
            }
            // §5.10.6.1: transmit buffers come back with nothing written into them.
            queue.AddUsed(chain, 0);
            completed = true;
        }
        if (completed)
        {
            context.SignalUsedIfNeeded(TxQueue);
        }
        if (budget == 0 && queue.HasAvailable)
        {
            context.RequestQueueProcessing(TxQueue);
        }
    }

    /// <summary>Lock held. Fills receive buffers with what the muxer has for the guest, one packet per chain.</summary>
    private void ProcessRx(VirtioDeviceContext context)
    {
        VirtQueue queue = context.Queues[RxQueue];
        if (!queue.IsReady)
        {
            return;
        }
        int budget = queue.Size;
        bool completed = false;
        while (budget > 0 && _muxer.HasPendingRx && queue.TryPopAvailable(out DescriptorChain? chain))
        {
            budget--;
            if (!chain.IsValid)
            {
                Counters.Increment(VsockCounter.InvalidChains);
                queue.AddUsed(chain, 0);
                completed = true;
                continue;
            }
            if (chain.WritableLength <= VsockPacket.HeaderSize)
            {
                // No room for a header and a byte of data: Linux never offers such a buffer; it is handed back empty.
                Counters.Increment(VsockCounter.RxBuffersTooSmall);
                queue.AddUsed(chain, 0);
                completed = true;
                continue;
            }
            // A receive buffer in one descriptor (as Linux offers them) is filled in place: header and host socket data go
            // straight into guest memory. Anything else is assembled here and copied across the descriptors.
            bool inPlace = TryGetSingleBuffer(context, chain, writable: true, out Span<byte> target);
            if (!inPlace)
            {
                target = _packetBuffer.AsSpan(0, (int)Math.Min(chain.WritableLength, (uint)_packetBuffer.Length));
            }
            int length;
            try
            {
                length = _muxer.ProduceRx(target);
            }
            catch (Exception e)
            {
                InternalError(e, "producing a packet for the guest");
                length = 0;
            }
            if (length == 0)
            {
                // Nothing after all (a read that would block): keep the buffer for later.
                queue.UndoPop();
                break;
            }
            int written = inPlace ? length : chain.WriteWritable(_packetBuffer.AsSpan(0, length));
            queue.AddUsed(chain, (uint)written);
            completed = true;
        }
        if (completed)
        {
            context.SignalUsedIfNeeded(RxQueue);
        }
        if (budget == 0 && _muxer.HasPendingRx)
        {
            context.RequestQueueProcessing(RxQueue);
        }
    }

    /// <summary>
    /// Lock held. The packet's bytes: in place when the chain is one device-readable descriptor (Linux 6.3 and later),
    /// otherwise copied out of the chain however it is split. The header is parsed once into a value, so a guest that
    /// changes the buffer meanwhile can change only the payload bytes it is sending.
    /// </summary>
    private ReadOnlySpan<byte> TransmitBytes(VirtioDeviceContext context, DescriptorChain chain)
    {
        if (TryGetSingleBuffer(context, chain, writable: false, out Span<byte> bytes))
        {
            return bytes;
        }
        int length = (int)Math.Min(chain.ReadableLength, (uint)_packetBuffer.Length);
        int read = chain.ReadReadable(_packetBuffer.AsSpan(0, length));
        return _packetBuffer.AsSpan(0, read);
    }

    /// <summary>The chain's only buffer (at most a maximal packet of it) when it has exactly one, in the direction given.</summary>
    private static bool TryGetSingleBuffer(VirtioDeviceContext context, DescriptorChain chain, bool writable, out Span<byte> buffer)
    {
        buffer = default;
        if (chain.Segments is not [DescriptorSegment segment] || segment.IsWritable != writable)
        {
            return false;
        }
        return context.Memory.TryGetSpan(segment.Address, Math.Min(segment.Length, (uint)VsockPacket.MaxPacketSize), out buffer);
    }

    /// <summary>On the poller's thread: a host socket is ready.</summary>
    private void OnSocketReady(UnixStreamSocket socket, VsockSocketInterest ready) =>
        RunOnMuxer(() => _muxer.HandleSocketReady(socket, ready), "handling a host socket");

    /// <summary>On the poller's thread: time to look at deadlines.</summary>
    private void OnTimer()
    {
        lock (_lock)
        {
            _timerArmed = false;
        }
        RunOnMuxer(_muxer.Sweep, "checking timeouts");
    }

    /// <summary>
    /// Runs <paramref name="work"/> under the transport's lock (when active) and the device's, then fills receive
    /// buffers with whatever it produced. The context is re-checked under the locks: a reset may have come between.
    /// </summary>
    private void RunOnMuxer(Action work, string what)
    {
        while (true)
        {
            VirtioDeviceContext? context = Volatile.Read(ref _context);
            if (context is null)
            {
                lock (_lock)
                {
                    if (_context is not null)
                    {
                        continue;
                    }
                    Run(work, null, what);
                    return;
                }
            }
            lock (context.SyncRoot)
            {
                lock (_lock)
                {
                    if (!ReferenceEquals(_context, context))
                    {
                        continue;
                    }
                    Run(work, context, what);
                    return;
                }
            }
        }
    }

    /// <summary>Locks held.</summary>
    private void Run(Action work, VirtioDeviceContext? context, string what)
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            work();
            if (context is not null)
            {
                ProcessRx(context);
            }
        }
        catch (Exception e)
        {
            InternalError(e, what);
        }
        UpdateTimer();
    }

    /// <summary>Lock held. The timer ticks only while something has a deadline.</summary>
    private void UpdateTimer()
    {
        bool wanted = _muxer.HasDeadlines && !_disposed;
        if (wanted && !_timerArmed)
        {
            _timerArmed = _timer.Change(_sweepPeriod, Timeout.InfiniteTimeSpan);
        }
    }

    private void InternalError(Exception e, string during)
    {
        Counters.Increment(VsockCounter.InternalErrors);
        if (_errors.TryEnter(out long suppressed))
        {
            _logger.Error(e, "vsock: unexpected failure while {During} ({Suppressed} similar errors suppressed)", during, suppressed);
        }
    }
}
