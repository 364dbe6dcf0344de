using System.Runtime.CompilerServices;
using Google.Protobuf;
using Kata.Ttrpc.Framing;

namespace Kata.Ttrpc.Client;

/// <summary>
/// The client side of a streaming call (ttrpc 1.2 streaming, PROTOCOL.md "Streaming"). Send with
/// <see cref="WriteAsync"/> and close the client side with <see cref="CompleteAsync"/> (a data frame with
/// remote-closed and no-data); read with <see cref="ReadAsync"/> until it returns null. A non-OK final status is
/// thrown as <see cref="TtrpcException"/> by the read that reaches it.
/// </summary>
public sealed class TtrpcClientStream<TRequest, TResponse> : IAsyncDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly TtrpcClient _client;
    private readonly ClientCall _call;
    private readonly TtrpcStreamShape _shape;
    private readonly MessageParser<TResponse> _parser;
    private readonly TimeSpan? _timeout;
    private readonly CancellationTokenSource? _timeoutSource;
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _callerToken;
    private bool _localClosed;
    private bool _remoteClosed;

    internal TtrpcClientStream(
        TtrpcClient client,
        ClientCall call,
        TtrpcStreamShape shape,
        MessageParser<TResponse> parser,
        TimeSpan? timeout,
        CancellationTokenSource? timeoutSource,
        CancellationTokenSource linked,
        CancellationToken callerToken)
    {
        _client = client;
        _call = call;
        _shape = shape;
        _parser = parser;
        _timeout = timeout;
        _timeoutSource = timeoutSource;
        _linked = linked;
        _callerToken = callerToken;
        _localClosed = !shape.StreamingClient;
    }

    /// <summary>The stream id this call has on its connection.</summary>
    public uint StreamId => _call.StreamId;

    /// <summary>Sends one message as a data frame (RESOURCE_EXHAUSTED above 4 MiB, nothing sent).</summary>
    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfLocalClosed();
        byte[] data = message.ToByteArray();
        FrameWriter.ThrowIfOversized(data.Length);
        await Guard(token => _client.SendDataAsync(_call, FrameFlags.None, data, token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the client side: the server's reader sees the end of the requests.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfLocalClosed();
        await Guard(token => _client.SendDataAsync(_call, FrameFlags.RemoteClosed | FrameFlags.NoData, ReadOnlyMemory<byte>.Empty, token), cancellationToken).ConfigureAwait(false);
        _localClosed = true;
    }

    /// <summary>The next response, or null when the server has closed the stream.</summary>
    public async Task<TResponse?> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (!_remoteClosed)
        {
            var frame = await Guard(token => TtrpcClient.ReceiveAsync(_call, token), cancellationToken).ConfigureAwait(false);
            if (frame is not { } received)
            {
                _remoteClosed = true;
                throw new TtrpcException(StatusCode.Internal, $"ttrpc: {_call.FullMethod}: stream ended without a final frame");
            }

            var header = received.Header;
            if (header.Type == FrameType.Response)
            {
                // The final frame: a status, and for a non-streaming server the one response.
                _remoteClosed = true;
                _client.Forget(_call);
                var response = TtrpcClient.ParseResponse(_call, received);
                if (_shape.StreamingServer && response.Payload.IsEmpty)
                {
                    return null;
                }

                return TtrpcClient.Parse(_parser, response.Payload.Memory, _call.FullMethod);
            }

            if (header.Type != FrameType.Data)
            {
                _remoteClosed = true;
                _client.Forget(_call);
                throw new TtrpcException(StatusCode.Internal, $"ttrpc: {_call.FullMethod}: unexpected {header.Type} frame from the server");
            }

            if (!_shape.StreamingServer)
            {
                _remoteClosed = true;
                _client.Forget(_call);
                throw new TtrpcException(StatusCode.Internal, $"ttrpc: {_call.FullMethod}: received data from non-streaming server");
            }

            if ((header.Flags & FrameFlags.RemoteClosed) != 0)
            {
                _remoteClosed = true;
                _client.Forget(_call);
            }

            if ((header.Flags & FrameFlags.NoData) == 0)
            {
                return TtrpcClient.Parse(_parser, received.Data, _call.FullMethod);
            }
        }

        return null;
    }

    /// <summary>All remaining responses.</summary>
    public async IAsyncEnumerable<TResponse> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await ReadAsync(cancellationToken).ConfigureAwait(false) is { } response)
        {
            yield return response;
        }
    }

    /// <summary>Forgets the stream locally (late frames are dropped) and releases its timer.</summary>
    public ValueTask DisposeAsync()
    {
        _client.Forget(_call);
        _linked.Dispose();
        _timeoutSource?.Dispose();
        return ValueTask.CompletedTask;
    }

    private void ThrowIfLocalClosed()
    {
        if (!_shape.StreamingClient)
        {
            throw new InvalidOperationException($"{_call.FullMethod} has no client stream: the request was sent when the call was opened");
        }

        if (_localClosed)
        {
            throw new InvalidOperationException($"the client side of {_call.FullMethod} is already closed");
        }
    }

    private async Task<T> Guard<T>(Func<CancellationToken, ValueTask<T>> operation, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _linked.Token);
        try
        {
            return await operation(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_timeoutSource?.IsCancellationRequested == true && !_callerToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _client.Forget(_call);
            throw TtrpcClient.DeadlineExceeded(_call, _timeout!.Value);
        }
    }

    private Task Guard(Func<CancellationToken, ValueTask> operation, CancellationToken cancellationToken) =>
        Guard(async token =>
        {
            await operation(token).ConfigureAwait(false);
            return true;
        }, cancellationToken);
}
