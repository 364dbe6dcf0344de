using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Vsock;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using Serilog.Core;

namespace Kata.Bench.Virtio;

/// <summary>
/// virtio-vsock with its real muxer on a Unix socket, its queue notifications and host sockets on a real
/// <see cref="VirtioEventLoop"/> (the VMM's wiring without KVM: QueueNotify writes an eventfd), and a guest thread that
/// does what Linux's virtio_transport does for one stream connection: it answers the host's REQUEST, keeps 64 KiB
/// receive buffers offered, returns credit when less than a packet's worth of space is left
/// (virtio_transport_stream_do_dequeue), sends within the host's credit, and sleeps on the interrupt line when there
/// is nothing to do, with VIRTIO_F_EVENT_IDX as Linux negotiates it. What the guest's "application" does with the stream is the <see cref="VsockBenchMode"/>.
/// </summary>
internal sealed class VsockBenchGuest : IDisposable
{
    public const ulong GuestCid = 3;
    public const uint GuestPort = 1024;
    private const ushort QueueSize = 256;
    private const int RxBuffers = 128;
    private const int RxBufferSize = VsockPacket.MaxPacketSize;
    private const int TxSlots = 64;
    private const int TxSlotSize = 0x1_1000;
    private const ulong RxArea = 0x10_0000;
    private const ulong TxArea = 0x100_0000;
    private const ulong MemoryBytes = 32UL << 20;

    /// <summary>The guest's receive buffer per connection (Linux's default buf_alloc, 256 KiB).</summary>
    private const uint BufAlloc = 256 * 1024;

    private readonly string _directory;
    private readonly GuestMemory _memory;
    private readonly VirtioEventLoop _loop;
    private readonly VirtioVsock _device;
    private readonly VirtioMmioTransport _transport;
    private readonly VirtioGuestDriver _driver;
    private readonly GuestInterrupt _interrupt = new();
    private readonly VsockBenchMode _mode;
    private readonly Thread _thread;
    private readonly Stack<int> _freeTxSlots = new();
    private readonly byte[] _sourceData = new byte[VsockPacket.MaxPayloadSize];
    private readonly byte[] _echo = new byte[BufAlloc];
    private readonly byte[] _packet = new byte[VsockPacket.MaxPacketSize];
    private VirtioGuestQueue _rx = null!;
    private VirtioGuestQueue _tx = null!;
    private volatile bool _stopping;
    private volatile Exception? _failure;

    // Connection state; touched only by the guest thread (the counters the host thread reads are Interlocked).
    private uint _hostPort;
    private bool _established;
    private bool _pendingResponse;
    private bool _creditRequested;
    private uint _peerBufAlloc;
    private uint _peerFwdCnt;
    private uint _txCnt;
    private uint _fwdCnt;
    private uint _reportedFwdCnt;
    private int _echoLength;
    private long _received;
    private long _sourceTarget;
    private long _sourceSent;

    public VsockBenchGuest(VsockBenchMode mode)
    {
        _mode = mode;
        new Random(7).NextBytes(_sourceData);
        _directory = Path.Combine(Path.GetTempPath(), "kbv-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_directory);
        UdsPath = Path.Combine(_directory, "v.sock");
        _memory = new GuestMemory([(GuestAddress.Zero, MemoryBytes)]);
        _loop = new VirtioEventLoop(Logger.None, "bench-virtio-loop");
        _device = new VirtioVsock(new VsockMuxerOptions { GuestCid = GuestCid, UdsPath = UdsPath }, new VsockEventLoopPoller(_loop), Logger.None);
        _transport = new VirtioMmioTransport(_device, _memory, _interrupt, Logger.None);
        _transport.AttachToEventLoop(_loop, vm: null, new GuestAddress(0xd000_0000));
        _driver = new VirtioGuestDriver(_transport, _memory);
        StartDriver();
        _thread = new Thread(GuestMain) { Name = "bench-guest", IsBackground = true };
        _thread.Start();
    }

    public string UdsPath { get; }

    public VsockCounters Counters => _device.Counters;

    /// <summary>Stream bytes the guest application has taken so far.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Stream bytes the guest has handed to the device so far.</summary>
    public long Sent => Interlocked.Read(ref _sourceSent);

    /// <summary>In <see cref="VsockBenchMode.Source"/>: sends <paramref name="bytes"/> more to the host.</summary>
    public void SendToHost(long bytes)
    {
        Interlocked.Add(ref _sourceTarget, bytes);
        _interrupt.Kick();
    }

    /// <summary>Throws what the guest thread failed with, if it failed.</summary>
    public void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new InvalidOperationException("the bench guest failed: " + failure.Message, failure);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _interrupt.Kick();
        _thread.Join();
        _transport.Dispose();
        _device.Dispose();
        _loop.Dispose();
        _memory.Dispose();
        _interrupt.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>§3.1.1 with every offered feature, the three queues, rx buffers offered.</summary>
    private void StartDriver()
    {
        if (!_driver.Negotiate())
        {
            throw new InvalidOperationException("the vsock device refused the features");
        }
        _rx = _driver.SetUpQueue(VirtioVsock.RxQueue, QueueSize, new GuestAddress(0x1_0000));
        _tx = _driver.SetUpQueue(VirtioVsock.TxQueue, QueueSize, new GuestAddress(0x2_0000));
        _driver.SetUpQueue(VirtioVsock.EventQueue, QueueSize, new GuestAddress(0x3_0000));
        _driver.DriverOk();
        for (int slot = 0; slot < RxBuffers; slot++)
        {
            _rx.WriteDescriptor(slot, RxArea + (ulong)slot * RxBufferSize, RxBufferSize, VirtqDescriptorFlags.Write, 0);
            _rx.OfferHead((ushort)slot);
        }
        for (int slot = TxSlots - 1; slot >= 0; slot--)
        {
            _freeTxSlots.Push(slot);
        }
        _driver.Notify(VirtioVsock.RxQueue);
    }

    private void GuestMain()
    {
        try
        {
            while (!_stopping)
            {
                if (_interrupt.IsRaised)
                {
                    _interrupt.Clear();
                    _driver.AcknowledgeInterrupt();
                }
                if (!Work() && EventIndex.ArmInterrupt(_rx) && EventIndex.ArmInterrupt(_tx))
                {
                    _interrupt.Wait(TimeSpan.FromMilliseconds(100));
                }
            }
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    /// <summary>One pass over the rings; true when anything happened.</summary>
    private bool Work()
    {
        bool progress = false;
        foreach ((uint id, _) in _tx.TakeUsed())
        {
            _freeTxSlots.Push((int)id);
            progress = true;
        }
        bool reoffered = false;
        ushort oldRxAvail = _rx.AvailIndex;
        foreach ((uint id, uint length) in _rx.TakeUsed())
        {
            if (length >= VsockHeader.Size)
            {
                ReceivePacket(RxArea + id * (ulong)RxBufferSize, (int)length);
            }
            _rx.OfferHead((ushort)id);
            reoffered = true;
        }
        if (reoffered)
        {
            if (EventIndex.DeviceWantsNotification(_rx, oldRxAvail))
            {
                _driver.Notify(VirtioVsock.RxQueue);
            }
            progress = true;
        }
        ushort oldTxAvail = _tx.AvailIndex;
        bool sent = SendPending();
        if (sent && EventIndex.DeviceWantsNotification(_tx, oldTxAvail))
        {
            _driver.Notify(VirtioVsock.TxQueue);
        }
        return progress || sent;
    }

    private void ReceivePacket(ulong address, int length)
    {
        Span<byte> header = _packet.AsSpan(0, VsockHeader.Size);
        _memory.Read(new GuestAddress(address), header);
        if (!VsockHeader.TryRead(header, out VsockHeader packet))
        {
            throw new InvalidOperationException("the device wrote a short packet");
        }
        _peerBufAlloc = packet.BufAlloc;
        _peerFwdCnt = packet.FwdCnt;
        switch (packet.Operation)
        {
            case VsockOp.Request:
                _hostPort = packet.SrcPort;
                _established = true;
                (_txCnt, _fwdCnt, _reportedFwdCnt, _echoLength) = (0, 0, 0, 0);
                _pendingResponse = true;
                break;
            case VsockOp.Rw:
                int payload = (int)packet.Length;
                if (_mode == VsockBenchMode.Echo)
                {
                    // The application copies the bytes out (to send them back); its buffer holds at most buf_alloc.
                    _memory.Read(new GuestAddress(address + VsockHeader.Size), _echo.AsSpan(_echoLength, payload));
                    _echoLength += payload;
                }
                _fwdCnt += (uint)payload;
                Interlocked.Add(ref _received, payload);
                break;
            case VsockOp.CreditRequest:
                _creditRequested = true;
                break;
            case VsockOp.Shutdown:
            case VsockOp.Rst:
                _established = false;
                break;
        }
    }


    /// <summary>Sends what is due, within the host's credit and the free transmit slots; true when anything went out.</summary>
    private bool SendPending()
    {
        bool sent = false;
        if (_pendingResponse && TrySend(VsockOp.Response, ReadOnlySpan<byte>.Empty))
        {
            _pendingResponse = false;
            sent = true;
        }
        if (!_established)
        {
            return sent;
        }
        if (_mode == VsockBenchMode.Echo)
        {
            int offset = 0;
            while (offset < _echoLength)
            {
                int length = (int)Math.Min(Math.Min(_echoLength - offset, VsockPacket.MaxPayloadSize), PeerCredit);
                if (length == 0 || !TrySend(VsockOp.Rw, _echo.AsSpan(offset, length)))
                {
                    break;
                }
                offset += length;
                sent = true;
            }
            _echo.AsSpan(offset, _echoLength - offset).CopyTo(_echo);
            _echoLength -= offset;
        }
        else if (_mode == VsockBenchMode.Source)
        {
            long target = Interlocked.Read(ref _sourceTarget);
            while (_sourceSent < target)
            {
                int length = (int)Math.Min(Math.Min(target - _sourceSent, VsockPacket.MaxPayloadSize), PeerCredit);
                if (length == 0 || !TrySend(VsockOp.Rw, _sourceData.AsSpan(0, length)))
                {
                    break;
                }
                Interlocked.Add(ref _sourceSent, length);
                sent = true;
            }
        }
        // Linux sends CREDIT_UPDATE when the space it has not reported yet would leave less than a packet.
        if ((_creditRequested || BufAlloc - (_fwdCnt - _reportedFwdCnt) < VsockPacket.MaxPayloadSize)
            && TrySend(VsockOp.CreditUpdate, ReadOnlySpan<byte>.Empty))
        {
            _creditRequested = false;
            sent = true;
        }
        return sent;
    }

    private uint PeerCredit => _peerBufAlloc - (_txCnt - _peerFwdCnt);

    /// <summary>One packet, header and payload in one descriptor (Linux 6.3 and later).</summary>
    private bool TrySend(VsockOp op, ReadOnlySpan<byte> payload)
    {
        if (!_freeTxSlots.TryPop(out int slot))
        {
            return false;
        }
        ulong address = TxArea + (ulong)slot * TxSlotSize;
        new VsockHeader(GuestCid, VsockCid.Host, GuestPort, _hostPort, (uint)payload.Length, (ushort)VsockSocketType.Stream, (ushort)op, 0,
            BufAlloc, _fwdCnt).Write(_packet);
        payload.CopyTo(_packet.AsSpan(VsockHeader.Size));
        int length = VsockHeader.Size + payload.Length;
        _memory.Write(new GuestAddress(address), _packet.AsSpan(0, length));
        _tx.WriteDescriptor(slot, address, (uint)length, 0, 0);
        _tx.OfferHead((ushort)slot);
        _txCnt += (uint)payload.Length;
        _reportedFwdCnt = _fwdCnt;
        return true;
    }
}
