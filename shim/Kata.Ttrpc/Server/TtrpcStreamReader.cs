using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Google.Protobuf;

namespace Kata.Ttrpc.Server;

/// <summary>Reads the requests of a client-streaming call, in order, until the client closes its side.</summary>
public sealed class TtrpcStreamReader<TRequest>
    where TRequest : class, IMessage<TRequest>
{
    private readonly ChannelReader<ReadOnlyMemory<byte>> _inbound;
    private readonly MessageParser<TRequest> _parser;
    private readonly string _fullMethod;
    private readonly CancellationToken _callCancellation;

    internal TtrpcStreamReader(ChannelReader<ReadOnlyMemory<byte>> inbound, MessageParser<TRequest> parser, string fullMethod, CancellationToken callCancellation)
    {
        _inbound = inbound;
        _parser = parser;
        _fullMethod = fullMethod;
        _callCancellation = callCancellation;
    }

    /// <summary>The next request, or null once the client has closed its side (a data frame with remote-closed).</summary>
    public async ValueTask<TRequest?> ReadAsync(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _callCancellation);
        try
        {
            if (!await _inbound.WaitToReadAsync(linked.Token).ConfigureAwait(false) || !_inbound.TryRead(out var data))
            {
                return null;
            }

            return ServerCall.Parse(_parser, data, _fullMethod);
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    /// <summary>All remaining requests.</summary>
    public async IAsyncEnumerable<TRequest> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await ReadAsync(cancellationToken).ConfigureAwait(false) is { } request)
        {
            yield return request;
        }
    }
}
