using Google.Protobuf;
using Kata.Ttrpc.Client;
using Kata.Ttrpc.Framing;
using Kata.Ttrpc.Tests.Infrastructure;
using Kata.Ttrpc.Tests.Protos;

namespace Kata.Ttrpc.Tests.Server;

/// <summary>Unary calls between our client and server over a real Unix socket.</summary>
public sealed class UnaryCallTests : IAsyncLifetime
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
    public async Task Round_trip()
    {
        var response = await Call("Echo", new EchoRequest { Text = "hello", Blob = ByteString.CopyFromUtf8("bytes") });

        Assert.Equal("hello", response.Text);
        Assert.Equal("bytes", response.Blob.ToStringUtf8());
        Assert.Empty(response.Metadata);
    }

    [Fact]
    public async Task Hundred_concurrent_calls_share_one_connection()
    {
        var calls = Enumerable.Range(0, 100)
            .Select(i => Task.Run(() => Call("Echo", new EchoRequest { Text = $"call {i}", Blob = ByteString.CopyFrom(new byte[i * 1000]) }), Token))
            .ToArray();
        var responses = await Task.WhenAll(calls);

        for (int i = 0; i < responses.Length; i++)
        {
            Assert.Equal($"call {i}", responses[i].Text);
            Assert.Equal(i * 1000, responses[i].Blob.Length);
        }

        Assert.Equal(1, _server.Server.ConnectionCount);
    }

    [Fact]
    public async Task Metadata_reaches_the_handler_with_every_value()
    {
        var metadata = new TtrpcMetadata()
            .Add(TtrpcMetadata.ContainerdNamespaceKey, "k8s.io")
            .Add("X-Trace", "one")
            .Add("x-trace", "two");

        var response = await Call("Echo", new EchoRequest(), new TtrpcCallOptions { Metadata = metadata });

        Assert.Equal("k8s.io", response.Metadata["containerd-namespace-ttrpc"]);
        // The handler saw both values under one case-insensitive key; the map keeps the last one.
        Assert.Equal("two", response.Metadata["x-trace"]);
        Assert.Equal(["one", "two"], metadata.GetAll("X-TRACE"));
    }

    [Fact]
    public async Task Containerd_namespace_helper_sets_the_ttrpc_namespace_key()
    {
        var response = await Call("Echo", new EchoRequest(), TtrpcCallOptions.ForContainerdNamespace("default"));
        Assert.Equal("default", Assert.Single(response.Metadata, pair => pair.Key == "containerd-namespace-ttrpc").Value);
    }

    [Fact]
    public async Task Timeout_is_sent_as_a_deadline_the_handler_sees()
    {
        var response = await Call("Echo", new EchoRequest(), new TtrpcCallOptions { Timeout = TimeSpan.FromMinutes(5) });

        Assert.InRange(response.TimeoutMs, 1, 5 * 60 * 1000);
    }

    [Fact]
    public async Task Deadline_exceeded_cancels_the_handler_and_answers_DEADLINE_EXCEEDED()
    {
        var error = await Assert.ThrowsAsync<TtrpcException>(() =>
            Call("Block", new EchoRequest(), new TtrpcCallOptions { Timeout = TimeSpan.FromMilliseconds(200) }));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(await _server.Echo.BlockCancelled.Task.WaitAsync(Token));
        await AssertStillServes();
    }

    [Fact]
    public async Task Server_answers_DEADLINE_EXCEEDED_itself_when_the_client_does_not_give_up()
    {
        // A raw request with timeout_nano and no local timer: the status must come from the server.
        await using var raw = await _server.ConnectRawAsync();
        var request = new Kata.Ttrpc.Protocol.Request { Service = EchoService.Name, Method = "Block", TimeoutNano = 100_000_000 };
        await raw.SendFrameAsync(1, FrameType.Request, FrameFlags.None, request.ToByteArray());

        var status = await raw.ReadStatusAsync(1);

        Assert.Equal((int)StatusCode.DeadlineExceeded, status.Code);
        Assert.Contains("deadline exceeded", status.Message);
    }

    [Fact]
    public async Task Caller_cancellation_throws_OperationCanceledException_and_keeps_the_connection()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var call = _client.CallAsync(EchoService.Name, "Block", new EchoRequest(), EchoResponse.Parser, cancellationToken: cancel.Token);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await AssertStillServes();
    }

    [Fact]
    public async Task Unknown_service_is_UNIMPLEMENTED()
    {
        var error = await Assert.ThrowsAsync<TtrpcException>(() =>
            _client.CallAsync("containerd.task.v9.Task", "State", new EchoRequest(), EchoResponse.Parser, cancellationToken: Token));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Equal("service containerd.task.v9.Task not implemented", error.Detail);
    }

    [Fact]
    public async Task Unknown_method_is_UNIMPLEMENTED()
    {
        var error = await Assert.ThrowsAsync<TtrpcException>(() => Call("Checkpoint", new EchoRequest()));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Equal($"service {EchoService.Name}: method Checkpoint not implemented", error.Detail);
    }

    [Fact]
    public async Task Handler_exception_is_UNKNOWN_with_its_message_and_is_logged()
    {
        var error = await Assert.ThrowsAsync<TtrpcException>(() => Call("Throw", new EchoRequest { Text = "c1" }));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Equal("handler failed on c1", error.Detail);
        Assert.Contains(_server.Log.Messages, line => line.Contains("Handler failed") && line.Contains("handler failed on c1"));
        await AssertStillServes();
    }

    [Fact]
    public async Task TtrpcException_from_a_handler_keeps_its_code()
    {
        var error = await Assert.ThrowsAsync<TtrpcException>(() => Call("NotFound", new EchoRequest { Text = "abc" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("container abc not found", error.Detail);
    }

    [Fact]
    public async Task Oversized_request_is_refused_by_the_client_without_sending()
    {
        var error = await Assert.ThrowsAsync<TtrpcException>(() =>
            Call("Echo", new EchoRequest { Blob = ByteString.CopyFrom(new byte[FrameHeader.MaxDataLength]) }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.StartsWith("message length 41943", error.Detail);
        Assert.EndsWith("exceed maximum message size of 4194304", error.Detail);
        await AssertStillServes();
    }

    [Fact]
    public async Task Oversized_request_frame_is_answered_RESOURCE_EXHAUSTED_and_the_connection_stays_usable()
    {
        await using var raw = await _server.ConnectRawAsync();
        uint length = FrameHeader.MaxDataLength + 100;
        await raw.SendAsync(RawConnection.Header(length, 1, 1, 0));
        await raw.SendZerosAsync(length);

        var status = await raw.ReadStatusAsync(1);
        Assert.Equal((int)StatusCode.ResourceExhausted, status.Code);
        Assert.Equal($"message length {length} exceed maximum message size of 4194304", status.Message);

        // The same connection still works.
        await raw.SendFrameAsync(3, FrameType.Request, FrameFlags.None, RawConnection.RequestBytes(EchoService.Name, "Echo", new EchoRequest { Text = "after" }));
        var frame = await raw.ReadFrameAsync();
        var response = Kata.Ttrpc.Protocol.Response.Parser.ParseFrom(frame.Data.Span);
        Assert.Equal("after", EchoResponse.Parser.ParseFrom(response.Payload).Text);
    }

    [Fact]
    public async Task Oversized_response_is_answered_RESOURCE_EXHAUSTED_and_the_connection_stays_usable()
    {
        var error = await Assert.ThrowsAsync<TtrpcException>(() => Call("Big", new EchoRequest { Count = FrameHeader.MaxDataLength + 1 }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("exceed maximum message size of 4194304", error.Detail);
        await AssertStillServes();
    }

    [Fact]
    public async Task Largest_response_that_fits_is_delivered()
    {
        // Response framing adds a few bytes around the payload, which itself wraps the blob.
        var response = await Call("Big", new EchoRequest { Count = FrameHeader.MaxDataLength - 32 });
        Assert.Equal(FrameHeader.MaxDataLength - 32, response.Blob.Length);
    }

    private Task<EchoResponse> Call(string method, EchoRequest request, TtrpcCallOptions? options = null) =>
        _client.CallAsync(EchoService.Name, method, request, EchoResponse.Parser, options, Token);

    private async Task AssertStillServes() =>
        Assert.Equal("still here", (await Call("Echo", new EchoRequest { Text = "still here" })).Text);
}
