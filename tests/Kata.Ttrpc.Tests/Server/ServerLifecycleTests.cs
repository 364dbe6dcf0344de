using System.Net.Sockets;
using Kata.Ttrpc.Client;
using Kata.Ttrpc.Server;
using Kata.Ttrpc.Tests.Infrastructure;
using Kata.Ttrpc.Tests.Protos;

namespace Kata.Ttrpc.Tests.Server;

/// <summary>Serving on handed-over sockets, registration rules, graceful and forced shutdown, lost connections.</summary>
public sealed class ServerLifecycleTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serves_on_an_already_listening_socket()
    {
        using var directory = new TempDirectory();
        var logger = TestLogSink.CreateLogger(out _);
        var listener = Listen(directory.File("pre.sock"));
        await using var server = new TtrpcServer(logger);
        server.AddService(EchoService.Name, new EchoService().Register);

        server.Serve(listener);

        await using var client = await TtrpcClient.ConnectAsync(directory.File("pre.sock"), logger, Token);
        Assert.Equal("pre-bound", (await Echo(client, "pre-bound")).Text);
    }

    [Fact]
    public async Task Serves_on_an_inherited_socket_handle()
    {
        using var directory = new TempDirectory();
        var logger = TestLogSink.CreateLogger(out _);
        // The server gets a bare fd, as a shim daemon gets the socket its parent bound on fd 3. The parent's Socket
        // stays open here: .NET unlinks the path of a Unix socket it bound when that Socket is disposed.
        using var original = Listen(directory.File("fd3.sock"));
        int inheritedFd = Libc.Dup((int)original.SafeHandle.DangerousGetHandle());
        Assert.True(inheritedFd >= 0, $"dup failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");

        await using var server = new TtrpcServer(logger);
        server.AddService(EchoService.Name, new EchoService().Register);
        server.Serve(new SafeSocketHandle(inheritedFd, ownsHandle: true));

        await using var client = await TtrpcClient.ConnectAsync(directory.File("fd3.sock"), logger, Token);
        Assert.Equal("inherited", (await Echo(client, "inherited")).Text);
    }

    [Fact]
    public void A_socket_that_is_not_listening_is_refused()
    {
        using var directory = new TempDirectory();
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(directory.File("bound-only.sock")));
        using var server = new TtrpcServer(TestLogSink.CreateLogger(out _));

        var error = Assert.Throws<ArgumentException>(() => server.Serve(socket));
        Assert.Contains("not listening", error.Message);
    }

    [Fact]
    public async Task One_handler_set_serves_under_two_service_names()
    {
        using var directory = new TempDirectory();
        var logger = TestLogSink.CreateLogger(out _);
        var echo = new EchoService();
        await using var server = new TtrpcServer(logger);
        server.AddService("containerd.task.v2.Task", echo.Register).AddService("containerd.task.v3.Task", echo.Register);
        server.ListenUnix(directory.File("task.sock"));

        await using var client = await TtrpcClient.ConnectAsync(directory.File("task.sock"), logger, Token);
        foreach (var service in new[] { "containerd.task.v2.Task", "containerd.task.v3.Task" })
        {
            var response = await client.CallAsync(service, "Echo", new EchoRequest { Text = service }, EchoResponse.Parser, cancellationToken: Token);
            Assert.Equal(service, response.Text);
        }

        Assert.Equal(["containerd.task.v2.Task", "containerd.task.v3.Task"], server.ServiceNames.Order());
    }

    [Fact]
    public async Task Registration_mistakes_are_explicit()
    {
        using var directory = new TempDirectory();
        await using var server = new TtrpcServer(TestLogSink.CreateLogger(out _));
        server.AddService(EchoService.Name, new EchoService().Register);

        var duplicate = Assert.Throws<InvalidOperationException>(() => server.AddService(EchoService.Name, _ => { }));
        Assert.Contains("already registered", duplicate.Message);
        var duplicateMethod = Assert.Throws<InvalidOperationException>(() => server.AddService("other", s =>
            s.AddUnary<EchoRequest, EchoResponse>("M", EchoRequest.Parser, (r, _) => Task.FromResult(new EchoResponse()))
             .AddUnary<EchoRequest, EchoResponse>("M", EchoRequest.Parser, (r, _) => Task.FromResult(new EchoResponse()))));
        Assert.Contains("method M is already registered on service other", duplicateMethod.Message);

        server.ListenUnix(directory.File("s.sock"));
        var late = Assert.Throws<InvalidOperationException>(() => server.AddService("late", _ => { }));
        Assert.Contains("already serving", late.Message);
    }

    [Fact]
    public async Task Graceful_shutdown_waits_for_the_call_in_flight_and_refuses_new_work()
    {
        var test = new TestServer();
        await using var client = await test.ConnectAsync();
        var held = client.CallAsync(EchoService.Name, "Hold", new EchoRequest { Text = "work" }, EchoResponse.Parser, cancellationToken: Token);
        await test.Echo.HoldStarted.Task.WaitAsync(Token);

        var shutdown = test.Server.ShutdownAsync(Token);

        // Not accepting any more (the socket path is gone), and the open connection refuses new requests.
        var connect = await Assert.ThrowsAsync<TtrpcException>(() => TtrpcClient.ConnectAsync(test.SocketPath, test.Logger, Token));
        Assert.Equal(StatusCode.Unavailable, connect.StatusCode);
        var refused = await Assert.ThrowsAsync<TtrpcException>(() => Echo(client, "late"));
        Assert.Equal((StatusCode.Unavailable, "ttrpc: server is shutting down"), (refused.StatusCode, refused.Detail));
        Assert.False(shutdown.IsCompleted);
        Assert.False(held.IsCompleted);

        test.Echo.ReleaseHold();

        Assert.Equal("released work", (await held).Text);
        await shutdown;
        Assert.Equal(0, test.Server.ConnectionCount);
        await client.Completion.WaitAsync(Token);
        Assert.False(client.IsConnected);
        await test.DisposeAsync();
    }

    [Fact]
    public async Task Shutdown_whose_wait_is_cancelled_closes_the_remaining_connections()
    {
        var test = new TestServer();
        await using var client = await test.ConnectAsync();
        var held = client.CallAsync(EchoService.Name, "Hold", new EchoRequest(), EchoResponse.Parser, cancellationToken: Token);
        await test.Echo.HoldStarted.Task.WaitAsync(Token);
        using var giveUp = new CancellationTokenSource();

        var shutdown = test.Server.ShutdownAsync(giveUp.Token);
        giveUp.Cancel();
        await shutdown;

        var error = await Assert.ThrowsAsync<TtrpcException>(() => held);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        await test.DisposeAsync();
    }

    [Fact]
    public async Task Dispose_is_idempotent_and_fails_pending_calls_with_UNAVAILABLE()
    {
        var test = new TestServer();
        await using var client = await test.ConnectAsync();
        var pending = Enumerable.Range(0, 10)
            .Select(_ => client.CallAsync(EchoService.Name, "Hold", new EchoRequest(), EchoResponse.Parser, cancellationToken: Token))
            .ToArray();
        await test.Echo.HoldStarted.Task.WaitAsync(Token);

        test.Server.Dispose();
        test.Server.Dispose();
        await test.Server.DisposeAsync();
        await test.Server.ShutdownAsync(Token);

        foreach (var call in pending)
        {
            var error = await Assert.ThrowsAsync<TtrpcException>(() => call);
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }

        var after = await Assert.ThrowsAsync<TtrpcException>(() => Echo(client, "after"));
        Assert.Equal(StatusCode.Unavailable, after.StatusCode);
        Assert.Throws<ObjectDisposedException>(() => test.Server.ListenUnix(test.SocketPath + ".2"));
        await test.DisposeAsync();
    }

    [Fact]
    public async Task Client_pending_calls_fail_with_UNAVAILABLE_when_the_peer_drops_the_connection()
    {
        using var directory = new TempDirectory();
        using var listener = Listen(directory.File("drop.sock"));
        var logger = TestLogSink.CreateLogger(out _);
        await using var client = await TtrpcClient.ConnectAsync(directory.File("drop.sock"), logger, Token);
        using var peer = await listener.AcceptAsync(Token);
        var calls = Enumerable.Range(0, 5).Select(i => Echo(client, $"lost {i}")).ToArray();

        // Read until all five requests have arrived, then hang up without answering.
        var received = new byte[64 * 1024];
        int total = 0, frames = 0;
        while (frames < 5)
        {
            total += await peer.ReceiveAsync(received.AsMemory(total), Token);
            frames = CountFrames(received.AsSpan(0, total));
        }

        peer.Close();

        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<TtrpcException>(() => call);
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
            Assert.Contains("connection closed", error.Detail);
        }

        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<TtrpcException>(() => Echo(client, "later"))).StatusCode);
    }

    [Fact]
    public async Task Connecting_to_a_missing_socket_is_UNAVAILABLE()
    {
        using var directory = new TempDirectory();
        var error = await Assert.ThrowsAsync<TtrpcException>(() => TtrpcClient.ConnectAsync(directory.File("none.sock"), TestLogSink.CreateLogger(out _), Token));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("none.sock", error.Detail);
    }

    private static Task<EchoResponse> Echo(TtrpcClient client, string text) =>
        client.CallAsync(EchoService.Name, "Echo", new EchoRequest { Text = text }, EchoResponse.Parser, cancellationToken: Token);

    private static Socket Listen(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(16);
        return socket;
    }

    private static int CountFrames(ReadOnlySpan<byte> bytes)
    {
        int count = 0;
        while (bytes.Length >= Kata.Ttrpc.Framing.FrameHeader.Size)
        {
            var header = Kata.Ttrpc.Framing.FrameHeader.Read(bytes);
            int size = Kata.Ttrpc.Framing.FrameHeader.Size + (int)header.Length;
            if (bytes.Length < size)
            {
                break;
            }

            count++;
            bytes = bytes[size..];
        }

        return count;
    }
}
