using System.Net.Sockets;
using System.Text;
using Kata.Hypervisor.Devices.Virtio.Vsock;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Vsock;

/// <summary>
/// Host clients that do not follow the hybrid-vsock handshake (<c>CONNECT &lt;port&gt;\n</c>): each gets a closed
/// connection, a counter and a log line, and the other connections keep working.
/// </summary>
public sealed class VsockHandshakeTests
{
    [Fact]
    public void LineWithoutItsNewline_Waits_ThenCompletes()
    {
        using var bed = new VsockTestBed();
        using Socket client = bed.ConnectClient();

        client.Send("CONNECT 10"u8);
        VsockTestBed.WaitUntil(() => bed.Device.HandshakeCount == 1, "the muxer to accept the client");
        bed.Settle();
        bed.Guest.Poll();
        Assert.Equal(1, bed.Device.HandshakeCount);
        Assert.Equal(0, bed.Device.ConnectionCount);
        Assert.DoesNotContain(bed.Guest.Inbox, p => p.Header.Operation == VsockOp.Request);

        client.Send("24\n"u8);

        VsockGuestPacket request = bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.Request);
        Assert.Equal(1024u, request.Header.DstPort);
        Assert.Equal(0, bed.Device.HandshakeCount);
        Assert.Equal(0, bed.Count(VsockCounter.HandshakesRejected));
    }

    [Fact]
    public void LineSentOneByteAtATime_IsAccepted()
    {
        using var bed = new VsockTestBed();
        using Socket client = bed.ConnectClient();

        foreach (byte b in "CONNECT 4242\r\n"u8.ToArray())
        {
            client.Send([b]);
            bed.Settle();
        }

        Assert.Equal(4242u, bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.Request).Header.DstPort);
    }

    public static TheoryData<string> MalformedLines =>
    [
        "CONNECT abc\n",
        "CONNECT\n",
        "connect 5\n",
        "CONNECT -1\n",
        "CONNECT +5\n",
        "CONNECT 0x10\n",
        "CONNECT 4294967296\n",
        "CONNECT 99999999999999\n",
        "HELLO 5\n",
        "CONNECT 5 6\n",
        "\n",
        "CONNECT 5\0\n",
        "CONNECT \u00e95\n",
        "GET / HTTP/1.1\n",
    ];

    [Theory]
    [MemberData(nameof(MalformedLines))]
    public void MalformedLine_ClosesTheClient_LogsIt_AndOthersKeepWorking(string line)
    {
        using var bed = new VsockTestBed();
        using Socket bad = bed.ConnectClient();

        bad.Send(Encoding.UTF8.GetBytes(line));

        Assert.True(VsockTestBed.ReadsEndOfStream(bad), "the client is closed");
        Assert.Equal(1, bed.Count(VsockCounter.HandshakesRejected));
        Assert.Contains(bed.Log.Messages, m => m.Contains("closed a host client", StringComparison.Ordinal));
        Assert.Equal(0, bed.Device.HandshakeCount);
        Assert.Equal(0, bed.Device.ConnectionCount);
        bed.Guest.Poll();
        Assert.DoesNotContain(bed.Guest.Inbox, p => p.Header.Operation == VsockOp.Request);

        (Socket good, _) = bed.OpenHostConnection(1024);
        good.Dispose();
    }

    [Theory]
    [InlineData(33)]
    [InlineData(4096)]
    public void OverLongLine_ClosesTheClient_WithoutReadingMoreThanTheLimit(int length)
    {
        using var bed = new VsockTestBed();
        using Socket client = bed.ConnectClient();

        client.Send(Encoding.ASCII.GetBytes("CONNECT " + new string('1', length)));

        Assert.True(VsockTestBed.ReadsEndOfStream(client));
        Assert.Equal(1, bed.Count(VsockCounter.HandshakesRejected));
        Assert.Contains(bed.Log.Messages, m => m.Contains($"no newline within {VsockHostHandshake.MaxLineLength} bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void ClientClosingMidLine_IsForgotten()
    {
        using var bed = new VsockTestBed();
        Socket client = bed.ConnectClient();
        client.Send("CONN"u8);
        VsockTestBed.WaitUntil(() => bed.Device.HandshakeCount == 1, "the muxer to accept the client");

        client.Dispose();

        VsockTestBed.WaitUntil(() => bed.Device.HandshakeCount == 0, "the half-sent handshake to be dropped");
        Assert.Equal(1, bed.Count(VsockCounter.HandshakesRejected));
        Assert.Contains(bed.Log.Messages, m => m.Contains("closed in the middle of its CONNECT line", StringComparison.Ordinal));
    }

    [Fact]
    public void ClientClosingBeforeAnyByte_IsForgotten()
    {
        using var bed = new VsockTestBed();
        Socket client = bed.ConnectClient();
        VsockTestBed.WaitUntil(() => bed.Device.HandshakeCount == 1, "the muxer to accept the client");

        client.Dispose();

        VsockTestBed.WaitUntil(() => bed.Device.HandshakeCount == 0, "the silent client to be dropped");
        Assert.Contains(bed.Log.Messages, m => m.Contains("closed without sending a CONNECT line", StringComparison.Ordinal));
    }

    [Fact]
    public void SilentClient_IsClosedAfterTheHandshakeTimeout()
    {
        using var bed = new VsockTestBed(configure: o => o with { HandshakeTimeout = TimeSpan.FromMilliseconds(100) });
        using Socket client = bed.ConnectClient();
        client.Send("CONNECT 1"u8);

        Assert.True(VsockTestBed.ReadsEndOfStream(client));
        Assert.Equal(1, bed.Count(VsockCounter.HandshakesRejected));
        Assert.Contains(bed.Log.Messages, m => m.Contains("no complete CONNECT line", StringComparison.Ordinal));
    }

    [Fact]
    public void ClientClosingAfterItsRequest_GuestResponseIsAnsweredWithRst()
    {
        using var bed = new VsockTestBed();
        Socket client = bed.ConnectClient();
        client.Send("CONNECT 1024\n"u8);
        VsockGuestPacket request = bed.Guest.WaitFor(p => p.Header.Operation == VsockOp.Request);
        client.Dispose();

        bed.Guest.Send(VsockOp.Response, 1024, request.Header.SrcPort);

        VsockGuestPacket rst = bed.Guest.WaitFor(p => p.Header.DstPort == 1024);
        Assert.Equal(VsockOp.Rst, rst.Header.Operation);
        Assert.Equal(0, bed.Device.ConnectionCount);
        Assert.Equal(1, bed.Count(VsockCounter.ConnectionsKilled));
    }

    [Fact]
    public void ConnectionLimit_RefusesFurtherClients()
    {
        using var bed = new VsockTestBed(configure: o => o with { MaxConnections = 2 });
        using Socket first = bed.ConnectClient();
        using Socket second = bed.ConnectClient();
        VsockTestBed.WaitUntil(() => bed.Device.HandshakeCount == 2, "two clients in their handshake");

        using Socket third = bed.ConnectClient();

        Assert.True(VsockTestBed.ReadsEndOfStream(third));
        Assert.Equal(2, bed.Device.HandshakeCount);
    }

    [Theory]
    [InlineData("CONNECT 1024", 1024u)]
    [InlineData("  CONNECT   7  \r", 7u)]
    [InlineData("CONNECT 4294967295", 4294967295u)]
    [InlineData("CONNECT 0", 0u)]
    public void Parser_AcceptsWhatFirecrackerAccepts(string line, uint port)
    {
        Assert.True(VsockHostHandshake.TryParseConnect(Encoding.ASCII.GetBytes(line), out uint parsed, out string error), error);
        Assert.Equal(port, parsed);
    }
}
