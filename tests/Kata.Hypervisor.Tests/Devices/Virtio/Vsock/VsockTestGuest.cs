using System.Buffers.Binary;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Vsock;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary>
/// The guest side of virtio-vsock, as Linux's virtio_transport does it, over real guest memory: it sets the three
/// queues up, offers receive buffers (one descriptor each, or a 44-byte header descriptor followed by a data one),
/// writes transmit packets in one or many descriptors, and reads packets back from the used ring. It tracks, per
/// connection, the bytes received, and reports them as its fwd_cnt unless told otherwise (an application that reads
/// everything at once). Used from the test thread only.
/// </summary>
internal sealed class VsockTestGuest
{
    public const uint DefaultBufAlloc = 256 * 1024;
    public const ushort QueueSize = 256;
    public const int RxSlotSize = 8 * 1024;
    public const int TxSlotSize = 0x1_1000;
    private const int TxSlots = 32;
    private const int DescriptorsPerTxSlot = 8;
    private const ulong RxArea = 0x10_0000;
    private const ulong TxArea = 0x40_0000;

    private readonly VsockTestBed _bed;
    private readonly Dictionary<ushort, int> _rxInFlight = [];
    private readonly Queue<int> _freeRxSlots = new();
    private readonly Queue<int> _freeTxSlots = new();
    private readonly Dictionary<(uint GuestPort, uint HostPort), uint> _received = [];
    private readonly Dictionary<(uint GuestPort, uint HostPort), uint> _reported = [];
    private readonly Random _random = new(1234);

    public VsockTestGuest(VsockTestBed bed)
    {
        _bed = bed;
    }

    public VirtioGuestQueue Rx { get; private set; } = null!;
    public VirtioGuestQueue Tx { get; private set; } = null!;
    public VirtioGuestQueue Events { get; private set; } = null!;

    /// <summary>Packets received and not yet taken by <see cref="WaitFor"/>.</summary>
    public List<VsockGuestPacket> Inbox { get; } = [];

    /// <summary>Receive buffers to keep offered (topped up whenever the guest looks at the used ring); 0 stops reading.</summary>
    public int RxBuffersWanted { get; set; } = 64;

    /// <summary>
    /// Behave like Linux's virtio_transport about credit: answer CREDIT_REQUEST with CREDIT_UPDATE, and send one when
    /// what was consumed since the last report leaves less than a maximal packet of space (stream_do_dequeue).
    /// </summary>
    public bool AutoCredit { get; set; } = true;

    /// <summary>Size of each receive buffer.</summary>
    public int RxBufferSize { get; set; } = 4096;

    /// <summary>Offer receive buffers as a header descriptor plus a data descriptor (Linux before 6.3).</summary>
    public bool SplitRxBuffers { get; set; }

    public int RxBuffersOffered => _rxInFlight.Count;

    /// <summary>Negotiates everything offered, sets up rx/tx/event queues, DRIVER_OK, offers receive buffers.</summary>
    public void Start(ulong? features = null)
    {
        _rxInFlight.Clear();
        _freeRxSlots.Clear();
        _freeTxSlots.Clear();
        _received.Clear();
        _reported.Clear();
        Inbox.Clear();
        for (int i = 0; i < QueueSize / 2; i++)
        {
            _freeRxSlots.Enqueue(i);
        }
        for (int i = 0; i < TxSlots; i++)
        {
            _freeTxSlots.Enqueue(i);
        }
        VirtioGuestDriver driver = _bed.Driver;
        Assert.True(driver.Negotiate(features));
        Rx = driver.SetUpQueue(VirtioVsock.RxQueue, QueueSize, new GuestAddress(0x1_0000));
        Tx = driver.SetUpQueue(VirtioVsock.TxQueue, QueueSize, new GuestAddress(0x2_0000));
        Events = driver.SetUpQueue(VirtioVsock.EventQueue, QueueSize, new GuestAddress(0x3_0000));
        driver.DriverOk();
        Assert.True(_bed.Transport.IsActivated);
        TopUpRx();
    }

    /// <summary>The fwd_cnt the guest reports for a connection: what it received (unless the test says otherwise).</summary>
    public uint ReceivedOn(uint guestPort, uint hostPort) => _received.GetValueOrDefault((guestPort, hostPort));

    /// <summary>Sends a packet from guest port <paramref name="srcPort"/> to host port <paramref name="dstPort"/>.</summary>
    public void Send(VsockOp op, uint srcPort, uint dstPort, ReadOnlySpan<byte> payload = default, uint flags = 0,
        uint bufAlloc = DefaultBufAlloc, uint? fwdCnt = null, VsockTxLayout layout = VsockTxLayout.HeaderThenPayload)
    {
        uint reportedFwdCnt = fwdCnt ?? ReceivedOn(srcPort, dstPort);
        _reported[(srcPort, dstPort)] = reportedFwdCnt;
        var header = new VsockHeader(VsockTestBed.GuestCid, VsockCid.Host, srcPort, dstPort, (uint)payload.Length,
            (ushort)VsockSocketType.Stream, (ushort)op, flags, bufAlloc, reportedFwdCnt);
        SendHeader(header, payload, layout);
    }

    /// <summary>Sends any header (a hostile guest's too) with <paramref name="payload"/> after it.</summary>
    public void SendHeader(VsockHeader header, ReadOnlySpan<byte> payload, VsockTxLayout layout = VsockTxLayout.HeaderThenPayload)
    {
        byte[] bytes = new byte[VsockHeader.Size + payload.Length];
        header.Write(bytes);
        payload.CopyTo(bytes.AsSpan(VsockHeader.Size));
        SendRaw(bytes, layout);
    }

    /// <summary>Puts <paramref name="bytes"/> on the transmit queue as one chain of readable descriptors and waits until the device returned it.</summary>
    public void SendRaw(ReadOnlySpan<byte> bytes, VsockTxLayout layout)
    {
        if (bytes.Length > TxSlotSize)
        {
            throw new ArgumentException("packet too large for a transmit slot");
        }
        ReclaimTx();
        VsockTestBed.WaitUntil(() => { ReclaimTx(); return _freeTxSlots.Count > 0; }, "a free transmit slot");
        int slot = _freeTxSlots.Dequeue();
        ulong address = TxArea + (ulong)slot * TxSlotSize;
        _bed.Memory.Write(new GuestAddress(address), bytes.ToArray());
        List<int> pieces = Split(bytes.Length, layout);
        ushort first = (ushort)(slot * DescriptorsPerTxSlot);
        ulong offset = 0;
        for (int i = 0; i < pieces.Count; i++)
        {
            bool last = i == pieces.Count - 1;
            Tx.WriteDescriptor(first + i, address + offset, (uint)pieces[i], last ? 0 : VirtqDescriptorFlags.Next, (ushort)(first + i + 1));
            offset += (uint)pieces[i];
        }
        Tx.OfferHead(first);
        _bed.Driver.Notify(VirtioVsock.TxQueue);
        ushort expected = Tx.AvailIndex;
        VsockTestBed.WaitUntil(() => Tx.ReadUsedIndex() == expected, "the device to return the transmit buffer");
        ReclaimTx();
    }

    /// <summary>Reads what the device put in receive buffers into <see cref="Inbox"/> and tops the buffers up.</summary>
    public int Poll()
    {
        int count = 0;
        foreach ((uint id, uint length) in Rx.TakeUsed())
        {
            if (!_rxInFlight.Remove((ushort)id, out int slot))
            {
                Assert.Fail($"the device returned receive head {id}, which was not offered");
            }
            _freeRxSlots.Enqueue(slot);
            if (length == 0)
            {
                continue;
            }
            Assert.True(length >= VsockHeader.Size && length <= RxBufferSize, $"used length {length} of a {RxBufferSize}-byte buffer");
            byte[] bytes = new byte[length];
            _bed.Memory.Read(new GuestAddress(RxArea + (ulong)slot * RxSlotSize), bytes);
            Assert.True(VsockHeader.TryRead(bytes, out VsockHeader header));
            Assert.Equal(length, VsockHeader.Size + header.Length);
            var packet = new VsockGuestPacket(header, bytes[VsockHeader.Size..], length);
            if (header.Operation == VsockOp.Rw)
            {
                (uint, uint) key = (header.DstPort, header.SrcPort);
                _received[key] = _received.GetValueOrDefault(key) + header.Length;
            }
            Inbox.Add(packet);
            count++;
        }
        TopUpRx();
        if (AutoCredit)
        {
            SendCreditUpdates();
        }
        return count;
    }

    /// <summary>Waits for a packet matching <paramref name="match"/> (taking it out of the inbox).</summary>
    public VsockGuestPacket WaitFor(Func<VsockGuestPacket, bool> match)
    {
        VsockGuestPacket? found = null;
        if (!SpinWait.SpinUntil(() =>
            {
                Poll();
                found = Inbox.FirstOrDefault(match);
                if (found is null)
                {
                    Thread.Sleep(1);
                }
                return found is not null;
            }, VsockTestBed.WaitLimit))
        {
            Assert.Fail($"no matching packet arrived; inbox: [{string.Join("; ", Inbox)}]; device counters: "
                + string.Join(", ", _bed.Device.Counters.Snapshot().Where(c => c.Value != 0).Select(c => $"{c.Key}={c.Value}"))
                + $"; rx offered {RxBuffersOffered}, rx used idx {Rx.ReadUsedIndex()}, avail idx {Rx.AvailIndex}");
        }
        Inbox.Remove(found!);
        return found!;
    }

    /// <summary>Collects the RW payload host port <paramref name="hostPort"/> sends to guest port <paramref name="guestPort"/> until <paramref name="count"/> bytes arrived.</summary>
    public byte[] ReceiveData(uint guestPort, uint hostPort, int count)
    {
        var data = new MemoryStream();
        while (data.Length < count)
        {
            VsockGuestPacket packet = WaitFor(p => p.Header.SrcPort == hostPort && p.Header.DstPort == guestPort
                && p.Header.Operation is VsockOp.Rw or VsockOp.Shutdown or VsockOp.Rst);
            Assert.True(packet.Header.Operation == VsockOp.Rw, $"expected data, got {packet}");
            data.Write(packet.Payload);
        }
        Assert.Equal(count, data.Length);
        return data.ToArray();
    }

    /// <summary>Offers receive buffers up to <see cref="RxBuffersWanted"/> and notifies the rx queue.</summary>
    public void TopUpRx()
    {
        bool offered = false;
        while (_rxInFlight.Count < RxBuffersWanted && _freeRxSlots.Count > 0)
        {
            int slot = _freeRxSlots.Dequeue();
            ushort head = (ushort)(slot * 2);
            ulong address = RxArea + (ulong)slot * RxSlotSize;
            if (SplitRxBuffers)
            {
                Rx.WriteDescriptor(head, address, VsockHeader.Size, VirtqDescriptorFlags.Write | VirtqDescriptorFlags.Next, (ushort)(head + 1));
                Rx.WriteDescriptor(head + 1, address + VsockHeader.Size, (uint)(RxBufferSize - VsockHeader.Size), VirtqDescriptorFlags.Write, 0);
            }
            else
            {
                Rx.WriteDescriptor(head, address, (uint)RxBufferSize, VirtqDescriptorFlags.Write, 0);
            }
            _rxInFlight.Add(head, slot);
            Rx.OfferHead(head);
            offered = true;
        }
        if (offered)
        {
            _bed.Driver.Notify(VirtioVsock.RxQueue);
        }
    }

    private void SendCreditUpdates()
    {
        foreach (VsockGuestPacket request in Inbox.Where(p => p.Header.Operation == VsockOp.CreditRequest).ToList())
        {
            Inbox.Remove(request);
            Send(VsockOp.CreditUpdate, request.Header.DstPort, request.Header.SrcPort);
        }
        foreach (((uint guestPort, uint hostPort), uint received) in _received.ToList())
        {
            uint reported = _reported.GetValueOrDefault((guestPort, hostPort));
            if (DefaultBufAlloc - (received - reported) < VsockPacket.MaxPayloadSize)
            {
                Send(VsockOp.CreditUpdate, guestPort, hostPort);
            }
        }
    }

    private void ReclaimTx()
    {
        foreach ((uint id, uint length) in Tx.TakeUsed())
        {
            Assert.Equal(0u, length);
            _freeTxSlots.Enqueue((int)id / DescriptorsPerTxSlot);
        }
    }

    private List<int> Split(int length, VsockTxLayout layout)
    {
        switch (layout)
        {
            case VsockTxLayout.OneDescriptor:
                return [length];
            case VsockTxLayout.HeaderThenPayload:
                return length > VsockHeader.Size ? [VsockHeader.Size, length - VsockHeader.Size] : [length];
            default:
                var pieces = new List<int>();
                int left = length;
                while (left > 0 && pieces.Count < DescriptorsPerTxSlot - 1)
                {
                    int piece = Math.Min(left, _random.Next(1, 40));
                    pieces.Add(piece);
                    left -= piece;
                }
                if (left > 0)
                {
                    pieces.Add(left);
                }
                return pieces;
        }
    }
}
