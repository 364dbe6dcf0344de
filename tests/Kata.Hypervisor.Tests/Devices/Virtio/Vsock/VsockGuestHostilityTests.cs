using System.Net.Sockets;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Vsock;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary>
/// A hostile guest's packets: each is answered with RST or dropped, counted, and leaves the device working (no
/// DEVICE_NEEDS_RESET, no internal error) for a well-behaved connection opened afterwards.
/// </summary>
public sealed class VsockGuestHostilityTests
{
    private const uint GuestPort = 50_000;
    private const uint HostPort = 7000;

    public enum Expected
    {
        Dropped,
        Rst,
    }

    public static TheoryData<string, Expected, VsockCounter> Cases => new()
    {
        { "header too short", Expected.Dropped, VsockCounter.MalformedPackets },
        { "len beyond the buffer", Expected.Rst, VsockCounter.MalformedPackets },
        { "len above 64 KiB", Expected.Rst, VsockCounter.MalformedPackets },
        { "seqpacket type", Expected.Rst, VsockCounter.MalformedPackets },
        { "unknown op", Expected.Rst, VsockCounter.MalformedPackets },
        { "op 0", Expected.Rst, VsockCounter.MalformedPackets },
        { "wrong src cid", Expected.Dropped, VsockCounter.MisaddressedPackets },
        { "wrong dst cid", Expected.Dropped, VsockCounter.MisaddressedPackets },
        { "rw for no connection", Expected.Rst, VsockCounter.UnknownConnectionPackets },
        { "shutdown for no connection", Expected.Rst, VsockCounter.UnknownConnectionPackets },
        { "response for no connection", Expected.Rst, VsockCounter.UnknownConnectionPackets },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void StrayOrMalformedPacket_IsAnsweredOrDropped_AndCounted(string kind, Expected expected, VsockCounter counter)
    {
        using var bed = new VsockTestBed();

        SendHostile(bed, kind);

        if (expected == Expected.Rst)
        {
            VsockGuestPacket rst = bed.Guest.WaitFor(p => p.Header.DstPort == GuestPort);
            Assert.Equal(VsockOp.Rst, rst.Header.Operation);
            Assert.Equal(HostPort, rst.Header.SrcPort);
        }
        else
        {
            bed.Settle();
            bed.Guest.Poll();
            Assert.Empty(bed.Guest.Inbox);
        }
        Assert.Equal(1, bed.Count(counter));
        AssertStillHealthy(bed);
    }

    [Theory]
    [InlineData("len beyond the buffer")]
    [InlineData("seqpacket type")]
    [InlineData("unknown op")]
    [InlineData("request again")]
    [InlineData("response when established")]
    public void BadPacketOnAnEstablishedConnection_ResetsIt(string kind)
    {
        using var bed = new VsockTestBed();
        using Socket listener = bed.ListenForGuest(HostPort);
        bed.Guest.Send(VsockOp.Request, GuestPort, HostPort);
        Assert.Equal(VsockOp.Response, bed.Guest.WaitFor(p => p.Header.DstPort == GuestPort).Header.Operation);
        using Socket host = listener.Accept();
        host.ReceiveTimeout = (int)VsockTestBed.WaitLimit.TotalMilliseconds;

        switch (kind)
        {
            case "request again": bed.Guest.Send(VsockOp.Request, GuestPort, HostPort); break;
            case "response when established": bed.Guest.Send(VsockOp.Response, GuestPort, HostPort); break;
            default: SendHostile(bed, kind); break;
        }

        Assert.Equal(VsockOp.Rst, bed.Guest.WaitFor(p => p.Header.DstPort == GuestPort).Header.Operation);
        Assert.True(VsockTestBed.ReadsEndOfStream(host), "the host side of the reset connection is closed");
        Assert.Equal(0, bed.Device.ConnectionCount);
        Assert.Equal(1, bed.Count(VsockCounter.ConnectionsKilled));
        AssertStillHealthy(bed);
    }

    [Fact]
    public void GuestSendingBeyondItsCredit_IsReset()
    {
        using var bed = new VsockTestBed(configure: o => o with { TxBufferSize = 64 * 1024 });
        (Socket client, VsockConnectionKey key) = bed.OpenHostConnection(1024);
        using (client)
        {
            // The host client never reads: its socket buffer fills, then the muxer's 64 KiB, then the guest is over its credit.
            byte[] chunk = new byte[60_000];
            for (int i = 0; i < 200 && bed.Device.ConnectionCount == 1; i++)
            {
                bed.Guest.Send(VsockOp.Rw, 1024, key.LocalPort, chunk);
            }

            Assert.Equal(0, bed.Device.ConnectionCount);
            Assert.Equal(VsockOp.Rst, bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.Rst).Header.Operation);
            Assert.Contains(bed.Log.Messages, m => m.Contains("more than its credit", StringComparison.Ordinal));
        }
        AssertStillHealthy(bed);
    }

    [Fact]
    public void RxBuffersTooSmallOrReadOnly_AreReturnedEmpty()
    {
        using var bed = new VsockTestBed(startGuest: false);
        bed.Guest.RxBuffersWanted = 0;
        bed.Guest.Start();
        // A 44-byte buffer: room for a header, none for data.
        bed.Guest.Rx.WriteDescriptor(250, 0x7f_0000, VsockHeader.Size, VirtqDescriptorFlags.Write, 0);
        bed.Guest.Rx.OfferHead(250);
        // A read-only buffer on the receive queue.
        bed.Guest.Rx.WriteDescriptor(251, 0x7f_1000, 4096, VirtqDescriptorFlags.None, 0);
        bed.Guest.Rx.OfferHead(251);
        bed.Driver.Notify(VirtioVsock.RxQueue);

        // Something for the guest: an RST for a stray packet.
        bed.Guest.Send(VsockOp.Rw, GuestPort, HostPort, "x"u8);

        IReadOnlyList<(uint Id, uint Length)> used = bed.Guest.Rx.TakeUsed();
        Assert.Equal([(250u, 0u), (251u, 0u)], used);
        Assert.Equal(2, bed.Count(VsockCounter.RxBuffersTooSmall));
        AssertNoDeviceFault(bed);
    }

    [Fact]
    public void InvalidTxChains_AreCountedAndReturned()
    {
        using var bed = new VsockTestBed();
        // A chain pointing outside guest memory and one whose next index loops to itself.
        bed.Guest.Tx.WriteDescriptor(200, 0xffff_ffff_0000, 64, VirtqDescriptorFlags.None, 0);
        bed.Guest.Tx.OfferHead(200);
        bed.Guest.Tx.WriteDescriptor(201, 0x40_0000, 64, VirtqDescriptorFlags.Next, 201);
        bed.Guest.Tx.OfferHead(201);

        bed.Driver.Notify(VirtioVsock.TxQueue);

        Assert.Equal(2, bed.Guest.Tx.TakeUsed().Count);
        Assert.Equal(2, bed.Count(VsockCounter.InvalidChains));
        AssertStillHealthy(bed);
    }

    [Fact]
    public void RstFlood_WithoutReceiveBuffers_IsBounded()
    {
        using var bed = new VsockTestBed(configure: o => o with { MaxPendingRsts = 16 }, startGuest: false);
        bed.Guest.RxBuffersWanted = 0;
        bed.Guest.Start();
        for (uint i = 0; i < 100; i++)
        {
            bed.Guest.Send(VsockOp.Rw, GuestPort + i, HostPort, "x"u8);
        }

        Assert.Equal(100, bed.Count(VsockCounter.UnknownConnectionPackets));
        Assert.Equal(84, bed.Count(VsockCounter.RstsDropped));
        bed.Guest.RxBuffersWanted = 64;
        bed.Guest.Poll();
        VsockTestBed.WaitUntil(() => { bed.Guest.Poll(); return bed.Guest.Inbox.Count == 16; }, "the 16 queued RSTs");
        Assert.All(bed.Guest.Inbox, p => Assert.Equal(VsockOp.Rst, p.Header.Operation));
    }

    private static void SendHostile(VsockTestBed bed, string kind)
    {
        VsockHeader good = new(VsockTestBed.GuestCid, 2, GuestPort, HostPort, 0, (ushort)VsockSocketType.Stream, (ushort)VsockOp.Rw, 0,
            VsockTestGuest.DefaultBufAlloc, 0);
        switch (kind)
        {
            case "header too short":
                bed.Guest.SendRaw(new byte[20], VsockTxLayout.OneDescriptor);
                break;
            case "len beyond the buffer":
                bed.Guest.SendHeader(good with { Length = 100 }, new byte[10]);
                break;
            case "len above 64 KiB":
                bed.Guest.SendHeader(good with { Length = 0x2_0000 }, new byte[10]);
                break;
            case "seqpacket type":
                bed.Guest.SendHeader(good with { Type = (ushort)VsockSocketType.SeqPacket }, default);
                break;
            case "unknown op":
                bed.Guest.SendHeader(good with { Op = 99 }, default);
                break;
            case "op 0":
                bed.Guest.SendHeader(good with { Op = 0 }, default);
                break;
            case "wrong src cid":
                bed.Guest.SendHeader(good with { SrcCid = 7 }, "x"u8);
                break;
            case "wrong dst cid":
                bed.Guest.SendHeader(good with { DstCid = VsockTestBed.GuestCid }, "x"u8);
                break;
            case "rw for no connection":
                bed.Guest.SendHeader(good with { Length = 1 }, "x"u8);
                break;
            case "shutdown for no connection":
                bed.Guest.SendHeader(good with { Op = (ushort)VsockOp.Shutdown, Flags = 3 }, default);
                break;
            case "response for no connection":
                bed.Guest.SendHeader(good with { Op = (ushort)VsockOp.Response }, default);
                break;
            default:
                throw new ArgumentException(kind);
        }
    }

    private static void AssertNoDeviceFault(VsockTestBed bed)
    {
        Assert.Equal(0, bed.Count(VsockCounter.InternalErrors));
        Assert.Equal(0, bed.Transport.Counters[VirtioMmioCounter.DeviceFailures]);
        Assert.Equal(0, bed.Loop.HandlerFailures);
        Assert.True(bed.Transport.IsActivated);
        Assert.Equal(0u, (uint)(bed.Transport.Status & VirtioDeviceStatus.DeviceNeedsReset));
    }

    /// <summary>No fault, and a fresh host-initiated connection still carries data.</summary>
    private static void AssertStillHealthy(VsockTestBed bed)
    {
        AssertNoDeviceFault(bed);
        (Socket client, VsockConnectionKey key) = bed.OpenHostConnection(9999);
        using (client)
        {
            client.Send("still here"u8);
            Assert.Equal("still here"u8.ToArray(), bed.Guest.ReceiveData(9999, key.LocalPort, 10));
        }
    }
}
