using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Vsock;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary>virtio-vsock (virtio 1.2 §5.10) driven by a fake guest driver, with real Unix sockets on the host side.</summary>
public sealed class VirtioVsockTests
{
    [Fact]
    public void Identity_ThreeQueues_ConfigHoldsTheGuestCid()
    {
        using var bed = new VsockTestBed(startGuest: false);

        Assert.Equal(19u, bed.Driver.Read(VirtioMmioRegister.DeviceId));
        Assert.Equal(VirtioFeatures.Version1 | VirtioFeatures.EventIndex | VirtioFeatures.IndirectDescriptors, bed.Driver.ReadDeviceFeatures());
        for (uint queue = 0; queue < 3; queue++)
        {
            bed.Driver.Write(VirtioMmioRegister.QueueSel, queue);
            Assert.Equal(256u, bed.Driver.Read(VirtioMmioRegister.QueueNumMax));
        }
        bed.Driver.Write(VirtioMmioRegister.QueueSel, 3);
        Assert.Equal(0u, bed.Driver.Read(VirtioMmioRegister.QueueNumMax));

        // 32-bit reads of the two halves, as Linux's vm_get does for a u64 field.
        Assert.Equal((uint)VsockTestBed.GuestCid, ReadConfig32(bed, 0));
        Assert.Equal(0u, ReadConfig32(bed, 4));
        Span<byte> beyond = [0xff, 0xff, 0xff, 0xff];
        bed.Transport.Read(VirtioMmioRegister.Config + 8, beyond);
        Assert.Equal([0, 0, 0, 0], beyond.ToArray());

        // guest_cid is read-only (§5.10.4).
        bed.Transport.Write(VirtioMmioRegister.Config, new byte[4]);
        Assert.Equal((uint)VsockTestBed.GuestCid, ReadConfig32(bed, 0));
        Assert.True(File.Exists(bed.UdsPath), "the muxer listens as soon as the device exists");
    }

    private static uint ReadConfig32(VsockTestBed bed, ulong offset)
    {
        Span<byte> bytes = stackalloc byte[4];
        bed.Transport.Read(VirtioMmioRegister.Config + offset, bytes);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    public static TheoryData<bool, bool, VsockTxLayout> Layouts => new()
    {
        { false, false, VsockTxLayout.OneDescriptor },
        { false, true, VsockTxLayout.HeaderThenPayload },
        { false, false, VsockTxLayout.Scattered },
        { true, false, VsockTxLayout.OneDescriptor },
        { true, true, VsockTxLayout.HeaderThenPayload },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task HostInitiated_ConnectsWithOkLine_AndCarriesDataBothWays(bool queuesOnLoop, bool splitRx, VsockTxLayout layout)
    {
        using var bed = new VsockTestBed(queuesOnLoop);
        bed.Guest.SplitRxBuffers = splitRx;
        (Socket client, VsockConnectionKey key) = bed.OpenHostConnection(guestPort: 1024);
        using (client)
        {
            Assert.Equal(VsockConnectionState.Established, bed.Device.StateOf(key));
            Assert.InRange(key.LocalPort, 1u << 30, (1u << 31) - 1);

            // Host → guest: 300 KiB, more than one guest buffer allowance, in the guest's 4 KiB receive buffers.
            byte[] toGuest = RandomNumberGenerator.GetBytes(300 * 1024);
            var writer = Task.Run(() => client.Send(toGuest));
            byte[] atGuest = bed.Guest.ReceiveData(1024, key.LocalPort, toGuest.Length);
            await writer.WaitAsync(VsockTestBed.WaitLimit, TestContext.Current.CancellationToken);
            Assert.Equal(SHA256.HashData(toGuest), SHA256.HashData(atGuest));

            // Guest → host: 200 KiB in packets of up to 64 KiB, spread over descriptors as the layout says.
            byte[] toHost = RandomNumberGenerator.GetBytes(200 * 1024);
            var reader = Task.Run(() => VsockTestBed.ReadExactly(client, toHost.Length));
            for (int offset = 0; offset < toHost.Length; offset += 60_000)
            {
                int length = Math.Min(60_000, toHost.Length - offset);
                bed.Guest.Send(VsockOp.Rw, 1024, key.LocalPort, toHost.AsSpan(offset, length), layout: layout);
            }
            byte[] atHost = await reader.WaitAsync(VsockTestBed.WaitLimit, TestContext.Current.CancellationToken);
            Assert.Equal(SHA256.HashData(toHost), SHA256.HashData(atHost));
        }
        Assert.Equal(0, bed.Count(VsockCounter.InternalErrors));
        Assert.Equal(0, bed.Count(VsockCounter.MalformedPackets));
        Assert.Equal(300 * 1024, bed.Count(VsockCounter.RxBytes));
        Assert.Equal(200 * 1024, bed.Count(VsockCounter.TxBytes));
    }

    [Fact]
    public void GuestInitiated_ConnectsToPathUnderscorePort_AndCarriesDataBothWays()
    {
        using var bed = new VsockTestBed();
        using Socket listener = bed.ListenForGuest(5000);

        bed.Guest.Send(VsockOp.Request, srcPort: 40_000, dstPort: 5000);
        VsockGuestPacket response = bed.Guest.WaitFor(p => p.Header.DstPort == 40_000);
        Assert.Equal(VsockOp.Response, response.Header.Operation);
        Assert.Equal(5000u, response.Header.SrcPort);
        Assert.Equal((uint)bed.Options.TxBufferSize, response.Header.BufAlloc);
        using Socket host = listener.Accept();
        host.ReceiveTimeout = (int)VsockTestBed.WaitLimit.TotalMilliseconds;

        bed.Guest.Send(VsockOp.Rw, 40_000, 5000, "ping"u8, layout: VsockTxLayout.OneDescriptor);
        Assert.Equal("ping", Encoding.ASCII.GetString(VsockTestBed.ReadExactly(host, 4)));
        host.Send("pong"u8);
        Assert.Equal("pong"u8.ToArray(), bed.Guest.ReceiveData(40_000, 5000, 4));
        Assert.Equal(VsockConnectionState.Established, bed.Device.StateOf(new VsockConnectionKey(5000, 40_000)));
    }

    [Fact]
    public void GuestInitiated_NoListener_IsAnsweredWithRst()
    {
        using var bed = new VsockTestBed();

        bed.Guest.Send(VsockOp.Request, srcPort: 40_001, dstPort: 6000);

        VsockGuestPacket answer = bed.Guest.WaitFor(p => p.Header.DstPort == 40_001);
        Assert.Equal(VsockOp.Rst, answer.Header.Operation);
        Assert.Equal(6000u, answer.Header.SrcPort);
        Assert.Equal(1, bed.Count(VsockCounter.GuestConnectsRefused));
        Assert.Equal(0, bed.Device.ConnectionCount);
        Assert.Contains(bed.Log.Messages, m => m.Contains("port 6000 was refused", StringComparison.Ordinal));
    }

    [Fact]
    public void HostInitiated_GuestRst_ClosesTheHostClient()
    {
        using var bed = new VsockTestBed();
        using Socket client = bed.ConnectClient();
        client.Send("CONNECT 77\n"u8);
        VsockGuestPacket request = bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.Request);
        Assert.Equal(77u, request.Header.DstPort);

        bed.Guest.Send(VsockOp.Rst, 77, request.Header.SrcPort);

        Assert.True(VsockTestBed.ReadsEndOfStream(client), "the host client is closed without an OK line");
        Assert.Equal(0, bed.Device.ConnectionCount);
    }

    [Fact]
    public void HostInitiated_GuestNeverAnswers_TimesOutWithRst()
    {
        using var bed = new VsockTestBed(configure: o => o with { ConnectTimeout = TimeSpan.FromMilliseconds(100) });
        using Socket client = bed.ConnectClient();
        client.Send("CONNECT 78\n"u8);
        VsockGuestPacket request = bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.Request);

        Assert.True(VsockTestBed.ReadsEndOfStream(client));
        VsockGuestPacket rst = bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.Rst);
        Assert.Equal(request.Header.SrcPort, rst.Header.SrcPort);
        Assert.Equal(1, bed.Count(VsockCounter.ConnectionsKilled));
    }

    [Fact]
    public void HostInitiated_BytesRightAfterTheConnectLine_ReachTheGuestAfterTheOkLine()
    {
        using var bed = new VsockTestBed();
        using Socket client = bed.ConnectClient();
        client.Send("CONNECT 1024\nhello"u8);
        VsockGuestPacket request = bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.Request);

        bed.Guest.Send(VsockOp.Response, 1024, request.Header.SrcPort);

        Assert.Equal($"OK {request.Header.SrcPort}", VsockTestBed.ReadLine(client));
        Assert.Equal("hello"u8.ToArray(), bed.Guest.ReceiveData(1024, request.Header.SrcPort, 5));
    }

    [Fact]
    public void HostConnectBeforeTheDriverIsUp_IsDeliveredOnActivation()
    {
        using var bed = new VsockTestBed(startGuest: false);
        using Socket client = bed.ConnectClient();
        client.Send("CONNECT 1024\n"u8);
        VsockTestBed.WaitUntil(() => bed.Device.ConnectionCount == 1, "the muxer to take the CONNECT line");

        bed.Guest.Start();

        VsockGuestPacket request = bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.Request);
        bed.Guest.Send(VsockOp.Response, 1024, request.Header.SrcPort);
        Assert.Equal($"OK {request.Header.SrcPort}", VsockTestBed.ReadLine(client));
    }

    [Fact]
    public void GuestShutdown_HalfClosesTheHostSocket_ThenBothWaysEndsWithRst()
    {
        using var bed = new VsockTestBed();
        (Socket client, VsockConnectionKey key) = bed.OpenHostConnection(1024);
        using (client)
        {
            bed.Guest.Send(VsockOp.Rw, 1024, key.LocalPort, "last words"u8);
            bed.Guest.Send(VsockOp.Shutdown, 1024, key.LocalPort, flags: (uint)VsockShutdownFlags.Send);

            Assert.Equal("last words"u8.ToArray(), VsockTestBed.ReadExactly(client, 10));
            Assert.True(VsockTestBed.ReadsEndOfStream(client), "the guest's SHUTDOWN(send) reaches the host as end of stream");
            Assert.Equal(VsockConnectionState.PeerClosed, bed.Device.StateOf(key));

            // The other direction still works.
            client.Send("reply"u8);
            Assert.Equal("reply"u8.ToArray(), bed.Guest.ReceiveData(1024, key.LocalPort, 5));

            bed.Guest.Send(VsockOp.Shutdown, 1024, key.LocalPort, flags: (uint)VsockShutdownFlags.Receive);
            VsockGuestPacket rst = bed.Guest.WaitFor(p => p.Header.DstPort == 1024);
            Assert.Equal(VsockOp.Rst, rst.Header.Operation);
            Assert.Null(bed.Device.StateOf(key));
            Assert.Equal(0, bed.Count(VsockCounter.ConnectionsKilled));
        }
    }

    [Fact]
    public void HostCloses_GuestGetsShutdown_AndItsRstEndsTheConnection()
    {
        using var bed = new VsockTestBed();
        (Socket client, VsockConnectionKey key) = bed.OpenHostConnection(1024);
        client.Send("bye"u8);
        client.Dispose();

        Assert.Equal("bye"u8.ToArray(), bed.Guest.ReceiveData(1024, key.LocalPort, 3));
        VsockGuestPacket shutdown = bed.Guest.WaitFor(p => p.Header.DstPort == 1024);
        Assert.Equal(VsockOp.Shutdown, shutdown.Header.Operation);
        Assert.Equal((uint)VsockShutdownFlags.Both, shutdown.Header.Flags);
        Assert.Equal(VsockConnectionState.LocalClosed, bed.Device.StateOf(key));

        bed.Guest.Send(VsockOp.Rst, 1024, key.LocalPort);

        Assert.Equal(0, bed.Device.ConnectionCount);
    }

    [Fact]
    public async Task CreditRequest_IsAnsweredWithCreditUpdate_CarryingFwdCnt()
    {
        using var bed = new VsockTestBed();
        (Socket client, VsockConnectionKey key) = bed.OpenHostConnection(1024);
        using (client)
        {
            var reader = Task.Run(() => VsockTestBed.ReadExactly(client, 1000));
            bed.Guest.Send(VsockOp.Rw, 1024, key.LocalPort, new byte[1000]);
            await reader.WaitAsync(VsockTestBed.WaitLimit, TestContext.Current.CancellationToken);

            bed.Guest.Send(VsockOp.CreditRequest, 1024, key.LocalPort);

            VsockGuestPacket update = bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.CreditUpdate);
            Assert.Equal(1000u, update.Header.FwdCnt);
            Assert.Equal((uint)bed.Options.TxBufferSize, update.Header.BufAlloc);
        }
    }

    [Fact]
    public void HundredHostConnectionsAtOnce_EachCarriesItsOwnData()
    {
        using var bed = new VsockTestBed();
        var connections = new List<(Socket Client, VsockConnectionKey Key)>();
        try
        {
            for (uint i = 0; i < 100; i++)
            {
                connections.Add(bed.OpenHostConnection(2000 + i));
            }
            Assert.Equal(100, bed.Device.ConnectionCount);
            foreach ((Socket client, VsockConnectionKey key) in connections)
            {
                client.Send(BitConverter.GetBytes(key.PeerPort));
                bed.Guest.Send(VsockOp.Rw, key.PeerPort, key.LocalPort, BitConverter.GetBytes(key.LocalPort));
            }
            foreach ((Socket client, VsockConnectionKey key) in connections)
            {
                Assert.Equal(BitConverter.GetBytes(key.PeerPort), bed.Guest.ReceiveData(key.PeerPort, key.LocalPort, 4));
                Assert.Equal(BitConverter.GetBytes(key.LocalPort), VsockTestBed.ReadExactly(client, 4));
            }
        }
        finally
        {
            foreach ((Socket client, _) in connections)
            {
                client.Dispose();
            }
        }
    }
}
