using System.Net.Sockets;
using Google.Protobuf;
using Kata.Ttrpc.Client;
using Kata.Ttrpc.Framing;
using Kata.Ttrpc.Protocol;
using Kata.Ttrpc.Tests.Infrastructure;
using Kata.Ttrpc.Tests.Protos;

namespace Kata.Ttrpc.Tests.Client;

/// <summary>Our client against a scripted peer that misbehaves on purpose.</summary>
public sealed class ClientRobustnessTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stream_ids_are_odd_and_increasing_on_the_wire()
    {
        await using var peer = await ScriptedPeer.StartAsync();
        var calls = Enumerable.Range(0, 20).Select(i => Echo(peer.Client, $"c{i}")).ToArray();

        var ids = new List<uint>();
        for (int i = 0; i < 20; i++)
        {
            var frame = await peer.ReadFrameAsync();
            ids.Add(frame.Header.StreamId);
            var request = Request.Parser.ParseFrom(frame.Data.Span);
            await peer.SendResponseAsync(frame.Header.StreamId, new EchoResponse { Text = EchoRequest.Parser.ParseFrom(request.Payload).Text });
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => (uint)(2 * i + 1)), ids);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"c{i}").Order(), (await Task.WhenAll(calls)).Select(r => r.Text).Order());
    }

    [Fact]
    public async Task Metadata_and_timeout_are_encoded_in_the_request()
    {
        await using var peer = await ScriptedPeer.StartAsync();
        var options = new TtrpcCallOptions
        {
            Metadata = new TtrpcMetadata().Add(TtrpcMetadata.ContainerdNamespaceKey, "default").Add("k", "v1").Add("k", "v2"),
            Timeout = TimeSpan.FromSeconds(3),
        };
        var call = peer.Client.CallAsync("svc.Name", "Method", new EchoRequest { Text = "x" }, EchoResponse.Parser, options, Token);

        var frame = await peer.ReadFrameAsync();
        var request = Request.Parser.ParseFrom(frame.Data.Span);
        await peer.SendResponseAsync(frame.Header.StreamId, new EchoResponse());
        await call;

        Assert.Equal((FrameType.Request, FrameFlags.None), (frame.Header.Type, frame.Header.Flags));
        Assert.Equal(("svc.Name", "Method", 3_000_000_000L), (request.Service, request.Method, request.TimeoutNano));
        Assert.Equal(
            ["containerd-namespace-ttrpc=default", "k=v1", "k=v2"],
            request.Metadata.Select(kv => $"{kv.Key}={kv.Value}").Order());
    }

    [Fact]
    public async Task An_oversized_frame_fails_only_its_call()
    {
        await using var peer = await ScriptedPeer.StartAsync();
        var first = Echo(peer.Client, "big");
        var firstFrame = await peer.ReadFrameAsync();
        var second = Echo(peer.Client, "small");
        var secondFrame = await peer.ReadFrameAsync();

        await peer.SendRawAsync(RawConnection.Header(FrameHeader.MaxDataLength + 1, firstFrame.Header.StreamId, (byte)FrameType.Response, 0));
        await peer.SendRawAsync(new byte[FrameHeader.MaxDataLength + 1]);
        await peer.SendResponseAsync(secondFrame.Header.StreamId, new EchoResponse { Text = "small" });

        var error = await Assert.ThrowsAsync<TtrpcException>(() => first);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("small", (await second).Text);
        Assert.True(peer.Client.IsConnected);
    }

    [Fact]
    public async Task Garbage_from_the_server_fails_pending_calls_with_UNAVAILABLE()
    {
        await using var peer = await ScriptedPeer.StartAsync();
        var call = Echo(peer.Client, "x");
        await peer.ReadFrameAsync();

        await peer.SendRawAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray());

        var error = await Assert.ThrowsAsync<TtrpcException>(() => call);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("not a ttrpc frame", error.Detail);
        await peer.Client.Completion.WaitAsync(Token);
    }

    [Fact]
    public async Task Undecodable_response_is_INTERNAL_for_that_call()
    {
        await using var peer = await ScriptedPeer.StartAsync();
        var call = Echo(peer.Client, "x");
        var frame = await peer.ReadFrameAsync();

        await peer.SendRawAsync([.. RawConnection.Header(2, frame.Header.StreamId, (byte)FrameType.Response, 0), 0x0a, 0x7f]);

        var error = await Assert.ThrowsAsync<TtrpcException>(() => call);
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("undecodable response", error.Detail);
    }

    [Fact]
    public async Task Local_timeout_gives_DEADLINE_EXCEEDED_even_if_the_server_never_answers()
    {
        await using var peer = await ScriptedPeer.StartAsync();
        var call = peer.Client.CallAsync("svc", "Slow", new EchoRequest(), EchoResponse.Parser, new TtrpcCallOptions { Timeout = TimeSpan.FromMilliseconds(100) }, Token);
        await peer.ReadFrameAsync();

        var error = await Assert.ThrowsAsync<TtrpcException>(() => call);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(peer.Client.IsConnected);
    }

    private static Task<EchoResponse> Echo(TtrpcClient client, string text) =>
        client.CallAsync("svc", "Echo", new EchoRequest { Text = text }, EchoResponse.Parser, cancellationToken: Token);

    /// <summary>A listening socket with one accepted connection the test scripts frame by frame.</summary>
    private sealed class ScriptedPeer : IAsyncDisposable
    {
        private readonly TempDirectory _directory;
        private readonly Socket _listener;
        private readonly NetworkStream _stream;
        private readonly FrameReader _reader;

        private ScriptedPeer(TempDirectory directory, Socket listener, Socket accepted, TtrpcClient client)
        {
            _directory = directory;
            _listener = listener;
            _stream = new NetworkStream(accepted, ownsSocket: true);
            _reader = new FrameReader(_stream);
            Client = client;
        }

        public TtrpcClient Client { get; }

        public static async Task<ScriptedPeer> StartAsync()
        {
            var directory = new TempDirectory();
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(directory.File("peer.sock")));
            listener.Listen(1);
            var client = await TtrpcClient.ConnectAsync(directory.File("peer.sock"), TestLogSink.CreateLogger(out _), Token);
            var accepted = await listener.AcceptAsync(Token);
            return new ScriptedPeer(directory, listener, accepted, client);
        }

        public async Task<Frame> ReadFrameAsync()
        {
            var result = await _reader.ReadAsync(Token);
            Assert.Equal(FrameReadStatus.Frame, result.Status);
            return result.Frame;
        }

        public Task SendResponseAsync(uint streamId, IMessage payload)
        {
            byte[] data = new Response { Status = new Status(), Payload = payload.ToByteString() }.ToByteArray();
            return SendRawAsync([.. RawConnection.Header((uint)data.Length, streamId, (byte)FrameType.Response, 0), .. data]);
        }

        public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes, Token);

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await _stream.DisposeAsync();
            _listener.Dispose();
            _directory.Dispose();
        }
    }
}
