using System.Net.Sockets;
using System.Text;
using Kata.Sandbox.Tests.Infrastructure;

namespace Kata.Sandbox.Tests;

public class HybridVsockConnectorTests
{
    [Fact]
    public async Task Connect_SendsConnectLine_AndTheStreamCarriesWhatFollowsOk()
    {
        using var scratch = new ScratchDirectory();
        string path = Path.Combine(scratch.Path, "v.sock");
        // The "guest" sends its first bytes in the same write as the OK line: none of them may be lost.
        using var muxer = new FakeVsockMuxer(path, async (s, _) =>
        {
            await s.SendAsync(Encoding.ASCII.GetBytes("OK 1073741824\nhello"));
            byte[] buffer = new byte[4];
            int n = await s.ReceiveAsync(buffer);
            await s.SendAsync(buffer.AsMemory(0, n));
        });

        await using Stream stream = await HybridVsockConnector.ConnectAsync(path, 1024, TestContext.Current.CancellationToken);
        byte[] hello = new byte[5];
        await stream.ReadExactlyAsync(hello, TestContext.Current.CancellationToken);
        await stream.WriteAsync("ping"u8.ToArray(), TestContext.Current.CancellationToken);
        byte[] echo = new byte[4];
        await stream.ReadExactlyAsync(echo, TestContext.Current.CancellationToken);

        Assert.Equal("hello", Encoding.ASCII.GetString(hello));
        Assert.Equal("ping", Encoding.ASCII.GetString(echo));
        Assert.Equal(["CONNECT 1024"], muxer.ReceivedLines);
    }

    [Theory]
    [InlineData("ERR no listener\n", "answered \"ERR no listener\"")]
    [InlineData("OK notanumber\n", "answered \"OK notanumber\"")]
    [InlineData("", "the VMM closed the connection")]
    [InlineData("OK 12", "closed in the middle of the reply \"OK 12\"")]
    public async Task Connect_BadOrMissingReply_IsAClearError(string reply, string expected)
    {
        using var scratch = new ScratchDirectory();
        string path = Path.Combine(scratch.Path, "v.sock");
        using var muxer = new FakeVsockMuxer(path, async (s, _) => await s.SendAsync(Encoding.ASCII.GetBytes(reply)));

        var error = await Assert.ThrowsAsync<IOException>(() => HybridVsockConnector.ConnectAsync(path, 1024, TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_EndlessReplyWithoutNewline_IsCutOff()
    {
        using var scratch = new ScratchDirectory();
        string path = Path.Combine(scratch.Path, "v.sock");
        using var muxer = new FakeVsockMuxer(path, async (s, _) =>
        {
            try
            {
                await s.SendAsync(new byte[4096].Select(_ => (byte)'A').ToArray());
                await Task.Delay(TimeSpan.FromSeconds(5));
            }
            catch (SocketException)
            {
            }
        });

        var error = await Assert.ThrowsAsync<IOException>(() => HybridVsockConnector.ConnectAsync(path, 1024, TestContext.Current.CancellationToken));

        Assert.Contains("without a newline", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_NoSocket_FailsAtOnce()
    {
        await Assert.ThrowsAsync<SocketException>(() =>
            HybridVsockConnector.ConnectAsync("/tmp/no-such-dir-kata/v.sock", 1024, TestContext.Current.CancellationToken));
    }
}
