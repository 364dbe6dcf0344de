using Google.Protobuf;
using Kata.Ttrpc.Client;
using Kata.Ttrpc.Framing;
using Kata.Ttrpc.Tests.Infrastructure;
using Kata.Ttrpc.Tests.Protos;

namespace Kata.Ttrpc.Tests.Server;

/// <summary>
/// Hostile or broken bytes written on a raw socket: the server answers with a status or drops that connection,
/// logs it, and an unrelated client connection keeps working throughout.
/// </summary>
public sealed class BadFrameTests : IAsyncLifetime
{
    private readonly TestServer _server = new();
    private TtrpcClient _bystander = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _bystander = await _server.ConnectAsync();
        await AssertBystanderServed();
    }

    public async ValueTask DisposeAsync()
    {
        await AssertBystanderServed();
        await _bystander.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Garbage_header_closes_that_connection_only()
    {
        await using var raw = await _server.ConnectRawAsync();
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());

        Assert.True(await raw.IsClosedByPeerAsync());
        Assert.Contains(_server.Log.Messages, line => line.Contains("protocol error") && line.Contains("reserved first header byte is 0x47"));
    }

    [Fact]
    public async Task Truncated_frame_then_end_of_stream_closes_that_connection_only()
    {
        await using var raw = await _server.ConnectRawAsync();
        byte[] request = RawConnection.RequestBytes(EchoService.Name, "Echo", new EchoRequest { Text = "cut" });
        await raw.SendAsync(RawConnection.Header((uint)request.Length, 1, 1, 0), request[..5]);
        raw.ShutdownSend();

        Assert.True(await raw.IsClosedByPeerAsync());
        Assert.Contains(_server.Log.Messages, line => line.Contains($"stream 1 announced {request.Length} data bytes, got 5"));
    }

    [Fact]
    public async Task Truncated_header_then_end_of_stream_closes_that_connection_only()
    {
        await using var raw = await _server.ConnectRawAsync();
        await raw.SendAsync([0, 0, 0]);
        raw.ShutdownSend();

        Assert.True(await raw.IsClosedByPeerAsync());
        Assert.Contains(_server.Log.Messages, line => line.Contains("inside a frame header (3 of 10 bytes)"));
    }

    [Fact]
    public async Task Oversized_length_is_answered_on_its_stream()
    {
        await using var raw = await _server.ConnectRawAsync();
        await raw.SendAsync(RawConnection.Header(FrameHeader.MaxDataLength + 1, 5, 1, 0));
        await raw.SendZerosAsync(FrameHeader.MaxDataLength + 1);

        var status = await raw.ReadStatusAsync(5);

        Assert.Equal((int)StatusCode.ResourceExhausted, status.Code);
        Assert.Contains(_server.Log.Messages, line => line.Contains("Dropped an oversized"));
        await AssertRawServed(raw, 7);
    }

    [Fact]
    public async Task Oversized_length_then_end_of_stream_closes_that_connection_only()
    {
        await using var raw = await _server.ConnectRawAsync();
        await raw.SendAsync(RawConnection.Header(FrameHeader.MaxDataLength + 1, 5, 1, 0), new byte[1000]);
        raw.ShutdownSend();

        Assert.True(await raw.IsClosedByPeerAsync());
        Assert.Contains(_server.Log.Messages, line => line.Contains("discarding an oversized frame"));
    }

    [Theory]
    [InlineData((byte)0)]
    [InlineData((byte)2)]
    [InlineData((byte)9)]
    [InlineData((byte)255)]
    public async Task Unknown_or_misdirected_type_is_answered_INVALID_ARGUMENT(byte type)
    {
        await using var raw = await _server.ConnectRawAsync();
        await raw.SendAsync(RawConnection.Header(3, 1, type, 0), [1, 2, 3]);

        var status = await raw.ReadStatusAsync(1);

        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        Assert.Contains($"unexpected message type {type}", status.Message);
        await AssertRawServed(raw, 3);
    }

    [Fact]
    public async Task Undecodable_request_is_answered_INVALID_ARGUMENT()
    {
        await using var raw = await _server.ConnectRawAsync();
        // Field 1 (service, length-delimited) claims 100 bytes but only 2 follow.
        await raw.SendFrameAsync(1, FrameType.Request, FrameFlags.None, [0x0a, 100, (byte)'a', (byte)'b']);

        var status = await raw.ReadStatusAsync(1);

        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        Assert.StartsWith("unmarshal request error:", status.Message);
        Assert.Contains(_server.Log.Messages, line => line.Contains("undecodable request"));
        await AssertRawServed(raw, 3);
    }

    [Fact]
    public async Task Undecodable_payload_is_answered_INVALID_ARGUMENT()
    {
        await using var raw = await _server.ConnectRawAsync();
        var request = new Kata.Ttrpc.Protocol.Request { Service = EchoService.Name, Method = "Echo", Payload = ByteString.CopyFrom(0xff, 0xff, 0xff) };
        await raw.SendFrameAsync(1, FrameType.Request, FrameFlags.None, request.ToByteArray());

        var status = await raw.ReadStatusAsync(1);

        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        Assert.Contains($"error unmarshalling payload of /{EchoService.Name}/Echo", status.Message);
    }

    [Fact]
    public async Task Even_stream_id_is_refused()
    {
        await using var raw = await _server.ConnectRawAsync();
        await raw.SendFrameAsync(2, FrameType.Request, FrameFlags.None, RawConnection.RequestBytes(EchoService.Name, "Echo", new EchoRequest()));

        var status = await raw.ReadStatusAsync(2);

        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        Assert.Equal("StreamID must be odd for client initiated streams", status.Message);
        await AssertRawServed(raw, 1);
    }

    [Fact]
    public async Task Reused_or_decreasing_stream_id_is_refused()
    {
        await using var raw = await _server.ConnectRawAsync();
        await AssertRawServed(raw, 5);
        await raw.SendFrameAsync(5, FrameType.Request, FrameFlags.None, RawConnection.RequestBytes(EchoService.Name, "Echo", new EchoRequest()));
        Assert.Equal("StreamID cannot be re-used and must increment", (await raw.ReadStatusAsync(5)).Message);

        await raw.SendFrameAsync(3, FrameType.Request, FrameFlags.None, RawConnection.RequestBytes(EchoService.Name, "Echo", new EchoRequest()));
        Assert.Equal("StreamID cannot be re-used and must increment", (await raw.ReadStatusAsync(3)).Message);
        await AssertRawServed(raw, 7);
    }

    [Fact]
    public async Task Data_for_an_unknown_stream_is_refused()
    {
        await using var raw = await _server.ConnectRawAsync();
        await raw.SendFrameAsync(9, FrameType.Data, FrameFlags.None, [1]);

        var status = await raw.ReadStatusAsync(9);

        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        Assert.Equal("StreamID is no longer active", status.Message);
        await AssertRawServed(raw, 11);
    }

    [Fact]
    public async Task Data_for_a_unary_call_ends_that_call_with_INVALID_ARGUMENT()
    {
        await using var raw = await _server.ConnectRawAsync();
        await raw.SendFrameAsync(1, FrameType.Request, FrameFlags.None, RawConnection.RequestBytes(EchoService.Name, "Block", new EchoRequest()));
        await raw.SendFrameAsync(1, FrameType.Data, FrameFlags.None, [1]);

        var status = await raw.ReadStatusAsync(1);

        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        Assert.Contains("takes no client stream", status.Message);
        Assert.True(await _server.Echo.BlockCancelled.Task.WaitAsync(Token));
    }

    [Fact]
    public async Task Abrupt_disconnect_with_a_call_in_flight_cancels_the_handler()
    {
        var raw = await _server.ConnectRawAsync();
        await raw.SendFrameAsync(1, FrameType.Request, FrameFlags.None, RawConnection.RequestBytes(EchoService.Name, "Block", new EchoRequest()));
        // The handler runs once the request is read; echo on the same connection proves it was read.
        await AssertRawServed(raw, 3);
        await raw.DisposeAsync();

        Assert.True(await _server.Echo.BlockCancelled.Task.WaitAsync(Token));
    }

    private static async Task AssertRawServed(RawConnection raw, uint streamId)
    {
        await raw.SendFrameAsync(streamId, FrameType.Request, FrameFlags.None, RawConnection.RequestBytes(EchoService.Name, "Echo", new EchoRequest { Text = "ok" }));
        var frame = await raw.ReadFrameAsync();
        Assert.Equal((streamId, FrameType.Response), (frame.Header.StreamId, frame.Header.Type));
        var response = Kata.Ttrpc.Protocol.Response.Parser.ParseFrom(frame.Data.Span);
        Assert.Equal(0, response.Status.Code);
        Assert.Equal("ok", EchoResponse.Parser.ParseFrom(response.Payload).Text);
    }

    private async Task AssertBystanderServed()
    {
        var response = await _bystander.CallAsync(EchoService.Name, "Echo", new EchoRequest { Text = "bystander" }, EchoResponse.Parser, cancellationToken: Token);
        Assert.Equal("bystander", response.Text);
    }
}
