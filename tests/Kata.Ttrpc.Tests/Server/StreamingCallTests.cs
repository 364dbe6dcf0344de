using Google.Protobuf;
using Kata.Ttrpc.Client;
using Kata.Ttrpc.Framing;
using Kata.Ttrpc.Tests.Infrastructure;
using Kata.Ttrpc.Tests.Protos;

namespace Kata.Ttrpc.Tests.Server;

/// <summary>ttrpc 1.2 streaming (PROTOCOL.md "Streaming"): server, client and duplex streams, and their wire frames.</summary>
public sealed class StreamingCallTests : IAsyncLifetime
{
    private readonly TestServer _server = new();
    private TtrpcClient _client = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _client = await _server.ConnectAsync();

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Server_stream_delivers_every_message_in_order_then_ends()
    {
        await using var stream = await Open(TtrpcStreamShape.ServerStreaming, "Count", new EchoRequest { Text = "n", Count = 50 });

        var responses = await stream.ReadAllAsync(Token).ToListAsync(Token);

        Assert.Equal(Enumerable.Range(0, 50), responses.Select(r => r.Index));
        Assert.All(responses, r => Assert.Equal("n", r.Text));
        Assert.Null(await stream.ReadAsync(Token));
    }

    [Fact]
    public async Task Server_stream_error_after_data_is_thrown_at_the_end()
    {
        await using var stream = await Open(TtrpcStreamShape.ServerStreaming, "Count", new EchoRequest { Text = "fail", Count = 3 });

        Assert.Equal(0, (await stream.ReadAsync(Token))!.Index);
        Assert.Equal(1, (await stream.ReadAsync(Token))!.Index);
        Assert.Equal(2, (await stream.ReadAsync(Token))!.Index);
        var error = await Assert.ThrowsAsync<TtrpcException>(() => stream.ReadAsync(Token));
        Assert.Equal((StatusCode.Aborted, "stopped after 3"), (error.StatusCode, error.Detail));
    }

    [Fact]
    public async Task Server_stream_on_the_wire_is_data_frames_closed_by_remote_closed_no_data()
    {
        await using var raw = await _server.ConnectRawAsync();
        await raw.SendFrameAsync(1, FrameType.Request, FrameFlags.RemoteClosed, RawConnection.RequestBytes(EchoService.Name, "Count", new EchoRequest { Count = 2 }));

        var first = await raw.ReadFrameAsync();
        var second = await raw.ReadFrameAsync();
        var last = await raw.ReadFrameAsync();

        Assert.Equal(new FrameHeader((uint)first.Data.Length, 1, FrameType.Data, FrameFlags.None), first.Header);
        Assert.Equal(1, EchoResponse.Parser.ParseFrom(second.Data.Span).Index);
        Assert.Equal(new FrameHeader(0, 1, FrameType.Data, FrameFlags.RemoteClosed | FrameFlags.NoData), last.Header);
    }

    [Fact]
    public async Task Client_stream_sends_messages_then_closes_and_gets_one_response()
    {
        await using var stream = await Open(TtrpcStreamShape.ClientStreaming, "Concat", new EchoRequest { Text = "a" });
        await stream.WriteAsync(new EchoRequest { Text = "b" }, Token);
        await stream.WriteAsync(new EchoRequest { Text = "c" }, Token);
        await stream.CompleteAsync(Token);

        var response = await stream.ReadAsync(Token);

        Assert.Equal(("abc", 3), (response!.Text, response.Index));
        Assert.Null(await stream.ReadAsync(Token));
    }

    [Fact]
    public async Task Client_stream_without_a_first_message()
    {
        await using var stream = await Open(TtrpcStreamShape.ClientStreaming, "Concat", null);
        await stream.WriteAsync(new EchoRequest { Text = "x" }, Token);
        await stream.CompleteAsync(Token);

        var response = await stream.ReadAsync(Token);
        Assert.Equal(("x", 1), (response!.Text, response.Index));
    }

    [Fact]
    public async Task Writing_after_complete_is_refused_locally()
    {
        await using var stream = await Open(TtrpcStreamShape.ClientStreaming, "Concat", null);
        await stream.CompleteAsync(Token);

        await Assert.ThrowsAsync<InvalidOperationException>(() => stream.WriteAsync(new EchoRequest(), Token));
        Assert.Equal(0, (await stream.ReadAsync(Token))!.Index);
    }

    [Fact]
    public async Task Duplex_stream_answers_each_message()
    {
        await using var stream = await Open(TtrpcStreamShape.Duplex, "Chat", null);
        foreach (var word in new[] { "one", "two", "three" })
        {
            await stream.WriteAsync(new EchoRequest { Text = word }, Token);
            Assert.Equal(word.ToUpperInvariant(), (await stream.ReadAsync(Token))!.Text);
        }

        await stream.CompleteAsync(Token);
        Assert.Null(await stream.ReadAsync(Token));
    }

    [Fact]
    public async Task Streams_and_unary_calls_interleave_on_one_connection()
    {
        await using var counting = await Open(TtrpcStreamShape.ServerStreaming, "Count", new EchoRequest { Count = 200 });
        await using var chat = await Open(TtrpcStreamShape.Duplex, "Chat", null);
        var unary = Enumerable.Range(0, 20)
            .Select(i => _client.CallAsync(EchoService.Name, "Echo", new EchoRequest { Text = $"u{i}" }, EchoResponse.Parser, cancellationToken: Token))
            .ToArray();
        await chat.WriteAsync(new EchoRequest { Text = "hi" }, Token);

        var counted = await counting.ReadAllAsync(Token).CountAsync(Token);
        Assert.Equal("HI", (await chat.ReadAsync(Token))!.Text);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"u{i}"), (await Task.WhenAll(unary)).Select(r => r.Text));
        Assert.Equal(200, counted);
    }

    [Fact]
    public async Task Client_stream_that_outruns_its_handler_ends_with_RESOURCE_EXHAUSTED()
    {
        await using var stream = await Open(TtrpcStreamShape.ClientStreaming, "Stall", null);
        for (int i = 0; i < 70; i++)
        {
            await stream.WriteAsync(new EchoRequest { Text = $"m{i}" }, Token);
        }

        var error = await Assert.ThrowsAsync<TtrpcException>(() => stream.ReadAsync(Token));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("more than 64 messages waiting", error.Detail);
        Assert.Equal("ok", (await _client.CallAsync(EchoService.Name, "Echo", new EchoRequest { Text = "ok" }, EchoResponse.Parser, cancellationToken: Token)).Text);
    }

    [Fact]
    public async Task Oversized_data_frame_ends_its_stream_with_RESOURCE_EXHAUSTED()
    {
        await using var raw = await _server.ConnectRawAsync();
        await raw.SendFrameAsync(1, FrameType.Request, FrameFlags.RemoteOpen, RawConnection.RequestBytes(EchoService.Name, "Concat", new EchoRequest { Text = "a" }));
        await raw.SendAsync(RawConnection.Header(FrameHeader.MaxDataLength + 1, 1, (byte)FrameType.Data, 0));
        await raw.SendZerosAsync(FrameHeader.MaxDataLength + 1);

        var status = await raw.ReadStatusAsync(1);

        Assert.Equal((int)StatusCode.ResourceExhausted, status.Code);
        Assert.Equal($"message length {FrameHeader.MaxDataLength + 1} exceed maximum message size of 4194304", status.Message);
    }

    [Fact]
    public async Task Data_after_the_client_closed_its_side_ends_the_stream()
    {
        await using var raw = await _server.ConnectRawAsync();
        await raw.SendFrameAsync(1, FrameType.Request, FrameFlags.RemoteOpen, RawConnection.RequestBytes(EchoService.Name, "Stall", new EchoRequest()));
        await raw.SendFrameAsync(1, FrameType.Data, FrameFlags.RemoteClosed | FrameFlags.NoData, []);
        await raw.SendFrameAsync(1, FrameType.Data, FrameFlags.None, new EchoRequest { Text = "late" }.ToByteArray());

        var status = await raw.ReadStatusAsync(1);

        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        Assert.Contains("after the client closed its side", status.Message);
    }

    private Task<TtrpcClientStream<EchoRequest, EchoResponse>> Open(TtrpcStreamShape shape, string method, EchoRequest? request) =>
        _client.OpenStreamAsync(EchoService.Name, method, shape, request, EchoResponse.Parser, cancellationToken: Token);
}
