using System.Net.Sockets;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Vsock;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary>Device reset in the middle of I/O, and disposal: every connection closed, every descriptor released.</summary>
[Collection(nameof(VsockFdCountingCollection))]
public sealed class VsockResetTests
{
    [Fact]
    public void ResetInTheMiddleOfIo_ClosesEveryConnection_ReleasesItsSockets_AndKeepsListening()
    {
        VsockFdCountingCollection.WarmUp();
        using var bed = new VsockTestBed();
        using Socket listener = bed.ListenForGuest(8000);
        int baseline = VsockFdCountingCollection.OpenDescriptors();
        var hostSides = new List<Socket>();
        try
        {
            for (uint i = 0; i < 5; i++)
            {
                (Socket client, VsockConnectionKey key) = bed.OpenHostConnection(3000 + i);
                hostSides.Add(client);
                // Data in flight both ways: the guest sends what nobody reads, the host more than the guest takes.
                bed.Guest.Send(VsockOp.Rw, 3000 + i, key.LocalPort, new byte[30_000]);
                client.Send(new byte[100_000]);

                bed.Guest.Send(VsockOp.Request, 60_000 + i, 8000);
                Assert.Equal(VsockOp.Response, bed.Guest.WaitFor(p => p.Header.DstPort == 60_000 + i).Header.Operation);
                Socket accepted = listener.Accept();
                accepted.ReceiveTimeout = (int)VsockTestBed.WaitLimit.TotalMilliseconds;
                hostSides.Add(accepted);
                bed.Guest.Send(VsockOp.Rw, 60_000 + i, 8000, new byte[20_000]);
                accepted.Send(new byte[50_000]);
            }
            Assert.Equal(10, bed.Device.ConnectionCount);
            Assert.True(VsockFdCountingCollection.OpenDescriptors() >= baseline + 20, "each connection holds a socket on both sides");

            bed.Driver.WriteStatus(VirtioDeviceStatus.Reset);

            Assert.Equal(0, bed.Device.ConnectionCount);
            Assert.Equal(1, bed.Poller.WatchedSockets);
            foreach (Socket hostSide in hostSides)
            {
                Assert.True(VsockTestBed.ReadsEndOfStream(hostSide), "every host-side peer sees its connection closed");
            }
        }
        finally
        {
            foreach (Socket hostSide in hostSides)
            {
                hostSide.Dispose();
            }
        }
        Assert.Equal(baseline, VsockFdCountingCollection.OpenDescriptors());

        // The listener survived the reset: a new driver gets new connections.
        bed.Guest.Start();
        (Socket again, VsockConnectionKey againKey) = bed.OpenHostConnection(1024);
        using (again)
        {
            again.Send("after reset"u8);
            Assert.Equal("after reset"u8.ToArray(), bed.Guest.ReceiveData(1024, againKey.LocalPort, 11));
        }
    }

    [Fact]
    public void Dispose_ClosesEverything_AndRemovesTheSocketFile()
    {
        VsockFdCountingCollection.WarmUp();
        int baseline = VsockFdCountingCollection.OpenDescriptors();
        string path;
        var hostSides = new List<Socket>();
        using (var bed = new VsockTestBed())
        {
            path = bed.UdsPath;
            for (uint i = 0; i < 3; i++)
            {
                hostSides.Add(bed.OpenHostConnection(4000 + i).Client);
            }
            Socket pending = bed.ConnectClient();
            pending.Send("CONNECT 12"u8);
            hostSides.Add(pending);
            VsockTestBed.WaitUntil(() => bed.Device.HandshakeCount == 1, "a client in its handshake");
        }
        foreach (Socket hostSide in hostSides)
        {
            Assert.True(VsockTestBed.ReadsEndOfStream(hostSide));
            hostSide.Dispose();
        }
        Assert.False(File.Exists(path), "the socket file is removed");
        Assert.Equal(baseline, VsockFdCountingCollection.OpenDescriptors());
    }

    [Fact]
    public void ExistingPath_IsRefusedWithAClearError()
    {
        string directory = Path.Combine("/tmp", "vsk-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, "v.sock");
            File.WriteAllText(path, "not a socket");
            using var loop = new VirtioEventLoop(Serilog.Core.Logger.None);

            var e = Assert.Throws<VsockException>(() =>
                new VirtioVsock(new VsockMuxerOptions { GuestCid = 3, UdsPath = path }, new VsockEventLoopPoller(loop), Serilog.Core.Logger.None));

            Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
            Assert.Equal("not a socket", File.ReadAllText(path));
            Assert.Equal(0, loop.RegistrationCount);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(2UL, "/tmp/x.sock", "reserved or out of range")]
    [InlineData(0xffff_ffffUL, "/tmp/x.sock", "reserved or out of range")]
    [InlineData(3UL, "", "path (--vsock-uds) is empty")]
    public void BadOptions_AreRefusedWithAClearError(ulong cid, string path, string message)
    {
        using var loop = new VirtioEventLoop(Serilog.Core.Logger.None);
        var e = Assert.Throws<VsockException>(() =>
            new VirtioVsock(new VsockMuxerOptions { GuestCid = cid, UdsPath = path }, new VsockEventLoopPoller(loop), Serilog.Core.Logger.None));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooLongPath_IsRefusedWithAClearError()
    {
        using var loop = new VirtioEventLoop(Serilog.Core.Logger.None);
        string path = "/tmp/" + new string('p', 100);
        var e = Assert.Throws<VsockException>(() =>
            new VirtioVsock(new VsockMuxerOptions { GuestCid = 3, UdsPath = path }, new VsockEventLoopPoller(loop), Serilog.Core.Logger.None));
        Assert.Contains("too long", e.Message, StringComparison.Ordinal);
    }
}
