using System.Net.Sockets;
using Grpc.Net.Client;
using Kata.Agent.Protocol;

namespace Kata.Sandbox;

/// <summary>A gRPC channel to an agent, over a Unix socket (process sandbox) or hybrid vsock (VM sandbox).</summary>
public sealed class AgentConnection : IDisposable
{
    /// <summary>The agent's vsock port (ARCHITECTURE.md).</summary>
    public const uint AgentVsockPort = 1024;

    private readonly GrpcChannel _channel;

    private AgentConnection(Func<CancellationToken, ValueTask<Stream>> connect, string description)
    {
        Description = description;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) => await connect(cancel),
            // A VM's agent may come and go; never pool a dead connection for long.
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            EnableMultipleHttp2Connections = true,
        };
        _channel = GrpcChannel.ForAddress("http://kata-agent", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 16 << 20,
            // Over SocketsHttpHandler the channel reconnects with backoff starting at 1 s: a first health check made
            // before the agent listens (connection refused) then held the start for a whole second, in about two of
            // three `kata-style run`s (bench/results/cli-2026-11-29.md). The agent is local: retry soon.
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(5),
            MaxReconnectBackoff = TimeSpan.FromMilliseconds(200),
        });
        Agent = new AgentService.AgentServiceClient(_channel);
        Health = new Health.HealthClient(_channel);
    }

    public string Description { get; }
    public AgentService.AgentServiceClient Agent { get; }
    public Health.HealthClient Health { get; }

    public static AgentConnection OverUnixSocket(string path) => new(async cancel =>
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancel);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }, $"unix:{path}");

    public static AgentConnection OverHybridVsock(string udsPath, uint port = AgentVsockPort) =>
        new(async cancel => await HybridVsockConnector.ConnectAsync(udsPath, port, cancel), $"hybrid-vsock:{udsPath}:{port}");

    public void Dispose() => _channel.Dispose();
}
