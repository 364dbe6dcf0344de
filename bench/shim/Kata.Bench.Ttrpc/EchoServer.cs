using Google.Protobuf.WellKnownTypes;
using Kata.Ttrpc.Server;

namespace Kata.Bench.Ttrpc;

/// <summary>The measured server: one unary method that answers with the request's bytes.</summary>
public static class EchoServer
{
    public const string Service = "kata.bench.Echo";
    public const string Method = "Echo";

    public static TtrpcServer Start(string socketPath, Serilog.ILogger log)
    {
        var server = new TtrpcServer(log);
        server.AddService(Service, service => service.AddUnary<BytesValue, BytesValue>(Method, BytesValue.Parser,
            (request, _) => Task.FromResult(request)));
        server.ListenUnix(socketPath);
        return server;
    }
}
