using System.Net.Sockets;
using Google.Protobuf;
using Kata.Ttrpc.Framing;
using Kata.Ttrpc.Protocol;

namespace Kata.Ttrpc.Tests.Infrastructure;

/// <summary>A bare socket to a ttrpc server for writing arbitrary bytes and reading the frames that come back.</summary>
public sealed class RawConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;

    private RawConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new FrameReader(_stream);
    }

    public static async Task<RawConnection> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return new RawConnection(socket);
    }

    public static byte[] Header(uint length, uint streamId, byte type, byte flags)
    {
        var header = new byte[FrameHeader.Size];
        new FrameHeader(length, streamId, (FrameType)type, (FrameFlags)flags).Write(header);
        return header;
    }

    public static byte[] RequestBytes(string service, string method, IMessage payload) =>
        new Request { Service = service, Method = method, Payload = payload.ToByteString() }.ToByteArray();

    public async Task SendAsync(params byte[][] parts)
    {
        foreach (var part in parts)
        {
            await _stream.WriteAsync(part, TestContext.Current.CancellationToken);
        }

        await _stream.FlushAsync(TestContext.Current.CancellationToken);
    }

    public Task SendFrameAsync(uint streamId, FrameType type, FrameFlags flags, byte[] data) =>
        SendAsync(Header((uint)data.Length, streamId, (byte)type, (byte)flags), data);

    /// <summary>Sends the header and just the data length announced (for large frames without a large array twice).</summary>
    public async Task SendZerosAsync(long count)
    {
        var chunk = new byte[64 * 1024];
        while (count > 0)
        {
            int n = (int)Math.Min(chunk.Length, count);
            await _stream.WriteAsync(chunk.AsMemory(0, n), TestContext.Current.CancellationToken);
            count -= n;
        }
    }

    /// <summary>Closes the sending side only (the peer sees EOF, we can still read).</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public async Task<Frame> ReadFrameAsync()
    {
        var result = await _reader.ReadAsync(TestContext.Current.CancellationToken);
        Assert.Equal(FrameReadStatus.Frame, result.Status);
        return result.Frame;
    }

    /// <summary>Reads a Response frame for <paramref name="streamId"/> and returns its status.</summary>
    public async Task<Status> ReadStatusAsync(uint streamId)
    {
        var frame = await ReadFrameAsync();
        Assert.Equal(streamId, frame.Header.StreamId);
        Assert.Equal(FrameType.Response, frame.Header.Type);
        return Response.Parser.ParseFrom(frame.Data.Span).Status;
    }

    /// <summary>True when the server closed the connection (EOF or reset) without sending anything more.</summary>
    public async Task<bool> IsClosedByPeerAsync()
    {
        try
        {
            var result = await _reader.ReadAsync(TestContext.Current.CancellationToken);
            return result.Status == FrameReadStatus.EndOfStream;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
    }
}
