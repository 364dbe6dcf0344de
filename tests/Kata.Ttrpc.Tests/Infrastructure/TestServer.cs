using Kata.Ttrpc.Client;
using Kata.Ttrpc.Server;
using Serilog;

namespace Kata.Ttrpc.Tests.Infrastructure;

/// <summary>A TtrpcServer with the EchoService on a fresh Unix socket, and clients for it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();

    public TestServer(string serviceName = EchoService.Name)
    {
        Logger = TestLogSink.CreateLogger(out var sink);
        Log = sink;
        SocketPath = _directory.File("ttrpc.sock");
        Server = new TtrpcServer(Logger);
        Server.AddService(serviceName, Echo.Register);
        Server.ListenUnix(SocketPath);
    }

    public ILogger Logger { get; }

    public TestLogSink Log { get; }

    public string SocketPath { get; }

    public EchoService Echo { get; } = new();

    public TtrpcServer Server { get; }

    public Task<TtrpcClient> ConnectAsync() => TtrpcClient.ConnectAsync(SocketPath, Logger, TestContext.Current.CancellationToken);

    public Task<RawConnection> ConnectRawAsync() => RawConnection.ConnectAsync(SocketPath);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _directory.Dispose();
    }
}
