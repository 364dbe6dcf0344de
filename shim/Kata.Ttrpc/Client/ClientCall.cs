using System.Threading.Channels;
using Kata.Ttrpc.Framing;

namespace Kata.Ttrpc.Client;

/// <summary>A call in flight on a client connection: the frames the reader loop routed to its stream id.</summary>
internal sealed class ClientCall
{
    private readonly Channel<Frame> _inbound = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public ClientCall(string service, string method)
    {
        FullMethod = $"/{service}/{method}";
    }

    public string FullMethod { get; }

    public uint StreamId { get; set; }

    public ChannelReader<Frame> Inbound => _inbound.Reader;

    public void Deliver(Frame frame) => _inbound.Writer.TryWrite(frame);

    /// <summary>Fails the call: its reader sees <paramref name="error"/> after any frames already delivered.</summary>
    public void Fail(TtrpcException error) => _inbound.Writer.TryComplete(error);
}
