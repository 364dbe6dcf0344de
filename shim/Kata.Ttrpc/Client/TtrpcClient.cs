using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;
using Google.Protobuf;
using Kata.Ttrpc.Framing;
using Kata.Ttrpc.Protocol;
using Serilog;

namespace Kata.Ttrpc.Client;

/// <summary>
/// A ttrpc client on one Unix socket connection. Calls are multiplexed by stream id (odd, increasing, allocated and
/// sent under the write lock so they reach the wire in order). A non-OK status becomes a <see cref="TtrpcException"/>;
/// when the connection is lost every pending and later call fails with UNAVAILABLE.
/// </summary>
public sealed class TtrpcClient : IAsyncDisposable, IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<uint, ClientCall> _calls = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly Lock _gate = new();
    private readonly Task _readLoop;
    private long _nextStreamId = 1;
    private string? _closedReason;

    /// <summary>Takes over a connected stream socket.</summary>
    public TtrpcClient(Socket connectedSocket, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(connectedSocket);
        _socket = connectedSocket;
        _stream = new NetworkStream(connectedSocket, ownsSocket: true);
        _reader = new FrameReader(_stream);
        _writer = new FrameWriter(_stream);
        _log = logger.ForContext<TtrpcClient>();
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>Ends when the connection is closed (by either side).</summary>
    public Task Completion => _readLoop;

    public bool IsConnected => Volatile.Read(ref _closedReason) is null;

    /// <summary>Connects to a ttrpc server's Unix socket. A connection failure is UNAVAILABLE, like a lost connection.</summary>
    public static async Task<TtrpcClient> ConnectAsync(string socketPath, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new TtrpcException(StatusCode.Unavailable, $"ttrpc: cannot connect to {socketPath}: {e.Message} ({e.SocketErrorCode})", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new TtrpcClient(socket, logger);
    }

    /// <summary>A unary call.</summary>
    public async Task<TResponse> CallAsync<TRequest, TResponse>(
        string service,
        string method,
        TRequest request,
        MessageParser<TResponse> responseParser,
        TtrpcCallOptions? options = null,
        CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseParser);
        using var timeout = CreateTimeout(options);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout?.Token ?? CancellationToken.None);
        var call = new ClientCall(service, method);
        try
        {
            await StartAsync(call, service, method, request.ToByteString(), options, FrameFlags.None, linked.Token).ConfigureAwait(false);
            var frame = await ReceiveAsync(call, linked.Token).ConfigureAwait(false)
                ?? throw new TtrpcException(StatusCode.Internal, $"ttrpc: {call.FullMethod}: stream ended without a response");
            if (frame.Header.Type != FrameType.Response)
            {
                throw new TtrpcException(StatusCode.Internal, $"ttrpc: {call.FullMethod}: expected a response frame, got {frame.Header.Type}");
            }

            var response = ParseResponse(call, frame);
            return Parse(responseParser, response.Payload.Memory, call.FullMethod);
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            throw DeadlineExceeded(call, options!.Timeout!.Value);
        }
        finally
        {
            Forget(call);
        }
    }

    /// <summary>
    /// Opens a streaming call. For a server stream <paramref name="request"/> is the one request; for a client stream it
    /// is an optional first message (null to send none). The stream holds its stream id until disposed or ended.
    /// </summary>
    public async Task<TtrpcClientStream<TRequest, TResponse>> OpenStreamAsync<TRequest, TResponse>(
        string service,
        string method,
        TtrpcStreamShape shape,
        TRequest? request,
        MessageParser<TResponse> responseParser,
        TtrpcCallOptions? options = null,
        CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(responseParser);
        if (!shape.StreamingClient && request is null)
        {
            throw new ArgumentNullException(nameof(request), "a call without a client stream needs its request");
        }

        var timeout = CreateTimeout(options);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout?.Token ?? CancellationToken.None);
        var call = new ClientCall(service, method);
        try
        {
            // ttrpc client.go NewStream: remote-open when more data follows, remote-closed when the request is all.
            var flags = shape.StreamingClient ? FrameFlags.RemoteOpen : FrameFlags.RemoteClosed;
            await StartAsync(call, service, method, request?.ToByteString() ?? ByteString.Empty, options, flags, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Forget(call);
            linked.Dispose();
            timeout?.Dispose();
            if (e is OperationCanceledException && timeout?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
            {
                throw DeadlineExceeded(call, options!.Timeout!.Value);
            }

            throw;
        }

        return new TtrpcClientStream<TRequest, TResponse>(this, call, shape, responseParser, options?.Timeout, timeout, linked, cancellationToken);
    }

    public void Dispose() => Close("client disposed");

    public async ValueTask DisposeAsync()
    {
        Close("client disposed");
        await _readLoop.ConfigureAwait(false);
    }

    internal ValueTask SendDataAsync(ClientCall call, FrameFlags flags, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        return WriteAsync(call, () => call.StreamId, FrameType.Data, flags, data, cancellationToken);
    }

    /// <summary>The next frame of the call, null when its stream is gone without an error.</summary>
    internal static async ValueTask<Frame?> ReceiveAsync(ClientCall call, CancellationToken cancellationToken)
    {
        try
        {
            return await call.Inbound.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e) when (e.InnerException is TtrpcException error)
        {
            throw new TtrpcException(error.StatusCode, error.Detail, error);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    internal static Response ParseResponse(ClientCall call, Frame frame)
    {
        Response response;
        try
        {
            response = Response.Parser.ParseFrom(frame.Data.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new TtrpcException(StatusCode.Internal, $"ttrpc: {call.FullMethod}: undecodable response: {e.Message}", e);
        }

        if (response.Status is { } status && status.Code != (int)StatusCode.OK)
        {
            throw TtrpcException.FromStatus(status);
        }

        return response;
    }

    internal static TMessage Parse<TMessage>(MessageParser<TMessage> parser, ReadOnlyMemory<byte> data, string fullMethod)
        where TMessage : IMessage<TMessage>
    {
        try
        {
            return parser.ParseFrom(data.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new TtrpcException(StatusCode.Internal, $"ttrpc: {fullMethod}: undecodable response payload: {e.Message}", e);
        }
    }

    internal static TtrpcException DeadlineExceeded(ClientCall call, TimeSpan timeout) =>
        new(StatusCode.DeadlineExceeded, $"ttrpc: {call.FullMethod}: deadline exceeded (timeout {timeout})");

    /// <summary>Stops routing frames to the call; later frames on its stream id are dropped.</summary>
    internal void Forget(ClientCall call)
    {
        if (call.StreamId != 0)
        {
            _calls.TryRemove(new KeyValuePair<uint, ClientCall>(call.StreamId, call));
        }
    }

    private static CancellationTokenSource? CreateTimeout(TtrpcCallOptions? options)
    {
        if (options?.Timeout is not { } timeout)
        {
            return null;
        }

        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "a call timeout must be positive");
        }

        return new CancellationTokenSource(timeout);
    }

    private async Task StartAsync(ClientCall call, string service, string method, ByteString payload, TtrpcCallOptions? options, FrameFlags flags, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(method);
        ThrowIfClosed();
        var request = new Request { Service = service, Method = method, Payload = payload };
        if (options?.Timeout is { } timeout)
        {
            request.TimeoutNano = timeout.Ticks * 100;
        }

        options?.Metadata?.CopyTo(request);
        byte[] data = request.ToByteArray();
        FrameWriter.ThrowIfOversized(data.Length);
        await WriteAsync(call, () => Register(call), FrameType.Request, flags, data, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask WriteAsync(ClientCall call, Func<uint> streamId, FrameType type, FrameFlags flags, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.WriteAsync(streamId, type, flags, data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Close($"write failed: {e.Message}");
            throw new TtrpcException(StatusCode.Unavailable, $"ttrpc: {call.FullMethod}: connection closed: {_closedReason}", e);
        }
    }

    /// <summary>Runs under the write lock: allocates the next odd stream id and routes its frames to the call.</summary>
    private uint Register(ClientCall call)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            if (_nextStreamId > uint.MaxValue)
            {
                throw new TtrpcException(StatusCode.ResourceExhausted, "ttrpc: stream ids of this connection are used up; reconnect");
            }

            call.StreamId = (uint)_nextStreamId;
            _nextStreamId += 2;
            _calls[call.StreamId] = call;
            return call.StreamId;
        }
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closedReason) is { } reason)
        {
            throw new TtrpcException(StatusCode.Unavailable, $"ttrpc: connection closed: {reason}");
        }
    }

    private async Task ReadLoopAsync()
    {
        string reason = "connection closed by the server";
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(_closing.Token).ConfigureAwait(false);
                if (result.Status == FrameReadStatus.EndOfStream)
                {
                    break;
                }

                var header = result.Frame.Header;
                if (!_calls.TryGetValue(header.StreamId, out var call))
                {
                    _log.Debug("Dropped a {Type} frame for inactive stream {StreamId}", header.Type, header.StreamId);
                    continue;
                }

                if (result.Status == FrameReadStatus.Oversized)
                {
                    _log.Warning("Dropped an oversized {Type} frame on stream {StreamId}", header.Type, header.StreamId);
                    Forget(call);
                    call.Fail(new TtrpcException(StatusCode.ResourceExhausted, FrameHeader.OversizeMessage(header.Length)));
                    continue;
                }

                call.Deliver(result.Frame);
            }
        }
        catch (TtrpcProtocolException e)
        {
            reason = e.Message;
            _log.Warning("ttrpc connection broken: {Error}", e.Message);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            reason = $"connection error: {e.Message}";
        }
        finally
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
            Close(reason);
        }
    }

    private void Close(string reason)
    {
        ClientCall[] pending;
        lock (_gate)
        {
            if (_closedReason is not null)
            {
                return;
            }

            Volatile.Write(ref _closedReason, reason);
            pending = _calls.Values.ToArray();
            _calls.Clear();
        }

        _closing.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        _stream.Dispose();
        foreach (var call in pending)
        {
            call.Fail(new TtrpcException(StatusCode.Unavailable, $"ttrpc: {call.FullMethod}: connection closed: {reason}"));
        }
    }
}
