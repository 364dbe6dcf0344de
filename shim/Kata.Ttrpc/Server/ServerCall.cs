using System.Threading.Channels;
using Google.Protobuf;
using Kata.Ttrpc.Framing;
using Kata.Ttrpc.Protocol;
using Serilog;

namespace Kata.Ttrpc.Server;

/// <summary>
/// One call (stream) on a server connection: runs the handler on its own task, owns the deadline, takes the client's
/// data frames for streaming-client methods, and sends exactly one final frame: a Response, or for a successful
/// streaming-server method a data frame with remote-closed (ttrpc server.go).
/// </summary>
internal sealed class ServerCall
{
    /// <summary>Data frames buffered per stream before the client is told it sends too fast (ttrpc: streamRecvBufferSize).</summary>
    public const int ReceiveBufferMessages = 64;

    private readonly ServerConnection _connection;
    private readonly MethodHandler _method;
    private readonly Request _request;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationToken _callToken;
    private readonly Channel<ReadOnlyMemory<byte>>? _inbound;
    private int _finished;

    public ServerCall(ServerConnection connection, uint streamId, MethodHandler method, Request request, FrameFlags flags, ILogger log)
    {
        _connection = connection;
        _method = method;
        _request = request;
        StreamId = streamId;
        FullMethod = $"/{request.Service}/{request.Method}";
        _log = log.ForContext("StreamId", streamId).ForContext("Method", FullMethod);

        DateTimeOffset? deadline = null;
        _deadline = new CancellationTokenSource();
        if (request.TimeoutNano != 0)
        {
            // A negative timeout has already expired (Go's context.WithTimeout); very long ones are capped to what a
            // timer can hold (~24 days), which no caller can tell apart from the real value.
            var timeout = TimeSpan.FromTicks(Math.Clamp(request.TimeoutNano / 100, 0, TimeSpan.FromMilliseconds(int.MaxValue).Ticks));
            deadline = DateTimeOffset.UtcNow + timeout;
            _deadline.CancelAfter(timeout);
        }

        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(_deadline.Token, connection.ClosedToken);
        _callToken = _cancellation.Token;
        Context = new TtrpcCallContext(request.Service, request.Method, streamId, TtrpcMetadata.FromRequest(request), deadline, _callToken);

        if (method.StreamingClient)
        {
            _inbound = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(ReceiveBufferMessages + 1)
            {
                SingleReader = true,
                SingleWriter = true,
            });

            // The request may carry the first message (ttrpc services.go: payload != nil). An empty message encodes
            // to nothing, so an empty payload means "no first message" for a streaming client.
            if (request.Payload.Length > 0)
            {
                _inbound.Writer.TryWrite(request.Payload.Memory);
            }

            // Only a request flagged remote-open is followed by data frames; any other flags mean the client is done.
            if ((flags & FrameFlags.RemoteOpen) == 0)
            {
                _inbound.Writer.TryComplete();
            }
        }
    }

    public uint StreamId { get; }

    public string FullMethod { get; }

    public TtrpcCallContext Context { get; }

    public bool IsFinished => Volatile.Read(ref _finished) != 0;

    public void Start()
    {
        _deadline.Token.Register(static state => ((ServerCall)state!).OnDeadline(), this);
        _ = Task.Run(RunAsync);
    }

    public TRequest ParseRequest<TRequest>(MessageParser<TRequest> parser)
        where TRequest : IMessage<TRequest> =>
        Parse(parser, _request.Payload.Memory, FullMethod);

    public TtrpcStreamReader<TRequest> CreateReader<TRequest>(MessageParser<TRequest> parser)
        where TRequest : class, IMessage<TRequest> =>
        new(_inbound!.Reader, parser, FullMethod, _callToken);

    public static TRequest Parse<TRequest>(MessageParser<TRequest> parser, ReadOnlyMemory<byte> data, string fullMethod)
        where TRequest : IMessage<TRequest>
    {
        try
        {
            return parser.ParseFrom(data.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new TtrpcException(StatusCode.InvalidArgument, $"ttrpc: error unmarshalling payload of {fullMethod}: {e.Message}", e);
        }
    }

    /// <summary>A data frame from the client for this stream. Returns an error to answer with, or null.</summary>
    public TtrpcException? ReceiveData(FrameFlags flags, ReadOnlyMemory<byte> data)
    {
        if (_inbound is null)
        {
            return new TtrpcException(StatusCode.InvalidArgument, $"data frame on stream {StreamId}: {FullMethod} takes no client stream");
        }

        if ((flags & FrameFlags.NoData) == 0 && !_inbound.Writer.TryWrite(data))
        {
            return _inbound.Reader.Completion.IsCompleted
                ? new TtrpcException(StatusCode.InvalidArgument, $"data frame on stream {StreamId} after the client closed its side")
                : new TtrpcException(StatusCode.ResourceExhausted, $"stream {StreamId}: more than {ReceiveBufferMessages} messages waiting for {FullMethod}");
        }

        if ((flags & FrameFlags.RemoteClosed) != 0)
        {
            _inbound.Writer.TryComplete();
        }

        return null;
    }

    public async Task SendDataAsync(IMessage message, CancellationToken cancellationToken)
    {
        if (IsFinished)
        {
            throw new InvalidOperationException($"the call {FullMethod} on stream {StreamId} has ended; no more data can be sent");
        }

        byte[] data = message.ToByteArray();
        FrameWriter.ThrowIfOversized(data.Length);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _callToken);
        await _connection.WriteFrameAsync(StreamId, FrameType.Data, FrameFlags.None, data, linked.Token).ConfigureAwait(false);
    }

    /// <summary>Ends the call with an error status (protocol misuse seen by the connection).</summary>
    public Task FailAsync(TtrpcException error) => FinishAsync(error.ToStatus(), null);

    /// <summary>The connection is gone: nothing can be sent, the handler is cancelled through the connection token.</summary>
    public void Abandon()
    {
        if (Interlocked.Exchange(ref _finished, 1) == 0)
        {
            _inbound?.Writer.TryComplete(new TtrpcException(StatusCode.Cancelled, "ttrpc: connection closed"));
            Release();
        }
    }

    private async Task RunAsync()
    {
        Status status;
        IMessage? response = null;
        try
        {
            response = await _method.Invoke(this).ConfigureAwait(false);
            status = StatusMapping.Ok;
        }
        catch (OperationCanceledException) when (_deadline.IsCancellationRequested)
        {
            status = DeadlineStatus();
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            status = StatusMapping.Create(StatusCode.Cancelled, $"ttrpc: {FullMethod} cancelled: connection closed");
        }
        catch (Exception e)
        {
            status = StatusMapping.FromException(e);
            if (e is TtrpcException)
            {
                _log.Debug("Handler answered {Code}: {Detail}", (StatusCode)status.Code, status.Message);
            }
            else
            {
                _log.Warning(e, "Handler failed; answering {Code}", (StatusCode)status.Code);
            }
        }

        await FinishAsync(status, response).ConfigureAwait(false);
    }

    private void OnDeadline()
    {
        _log.Debug("Deadline exceeded");
        _ = FinishAsync(DeadlineStatus(), null);
    }

    private Status DeadlineStatus() =>
        StatusMapping.Create(StatusCode.DeadlineExceeded, $"ttrpc: {FullMethod}: deadline exceeded (timeout {TimeSpan.FromTicks(_request.TimeoutNano / 100)})");

    private async Task FinishAsync(Status status, IMessage? response)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        try
        {
            FrameType type;
            FrameFlags flags = FrameFlags.None;
            byte[] data;
            if (status.Code == (int)StatusCode.OK && _method.StreamingServer)
            {
                // A streaming server ends a successful stream with a closing data frame (server.go: flagRemoteClosed,
                // plus flagNoData when there is no final message).
                type = FrameType.Data;
                flags = FrameFlags.RemoteClosed;
                data = response?.ToByteArray() ?? [];
                if (response is null)
                {
                    flags |= FrameFlags.NoData;
                }
            }
            else
            {
                type = FrameType.Response;
                var message = new Response { Status = status };
                if (response is not null)
                {
                    message.Payload = response.ToByteString();
                }

                data = message.ToByteArray();
            }

            if (data.Length > FrameHeader.MaxDataLength)
            {
                _log.Warning("Response of {Length} bytes is above the ttrpc limit; answering RESOURCE_EXHAUSTED", data.Length);
                type = FrameType.Response;
                flags = FrameFlags.None;
                data = new Response { Status = StatusMapping.Create(StatusCode.ResourceExhausted, FrameHeader.OversizeMessage(data.Length)) }.ToByteArray();
            }

            await _connection.WriteFrameAsync(StreamId, type, flags, data, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            _log.Debug("Could not send the final frame: {Error}", e.Message);
        }
        finally
        {
            _inbound?.Writer.TryComplete();
            Release();
        }
    }

    private void Release()
    {
        // Cancels a handler still running after its final frame (deadline, disconnect), and unregisters from the
        // connection token. A deadline source that fired is left to the GC: it may still be inside its own callback.
        _cancellation.Cancel();
        _cancellation.Dispose();
        if (!_deadline.IsCancellationRequested)
        {
            _deadline.Dispose();
        }

        _connection.OnCallFinished(this);
    }
}
