using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net.Sockets;
using Google.Protobuf;
using Kata.Ttrpc.Framing;
using Kata.Ttrpc.Protocol;
using Serilog;

namespace Kata.Ttrpc.Server;

/// <summary>
/// One accepted connection: a reader loop that validates frames and starts calls, each call on its own task, with
/// whole frames written under one lock. Mirrors ttrpc's serverConn (server.go), including its answers to protocol
/// misuse. A frame problem never leaves this connection: either the call gets an error status, or (for a stream
/// that is no longer ttrpc) the connection is closed.
/// </summary>
internal sealed class ServerConnection
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly FrozenDictionary<string, FrozenDictionary<string, MethodHandler>> _services;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _closed = new();
    private readonly ConcurrentDictionary<uint, ServerCall> _calls = new();
    private readonly Lock _gate = new();
    private uint _lastStreamId;
    private int _activeCalls;
    private bool _draining;
    private int _closeStarted;

    public ServerConnection(Socket socket, FrozenDictionary<string, FrozenDictionary<string, MethodHandler>> services, long id, ILogger log)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new FrameReader(_stream);
        _writer = new FrameWriter(_stream);
        _services = services;
        Id = id;
        _log = log.ForContext("Connection", id);
        ClosedToken = _closed.Token;
    }

    public long Id { get; }

    /// <summary>Cancelled when the connection closes; every call's token is linked to it.</summary>
    public CancellationToken ClosedToken { get; }

    /// <summary>Ends when the reader loop has stopped and the socket is closed.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>Graceful shutdown: new requests are refused with UNAVAILABLE, the connection closes once its calls finished.</summary>
    public void BeginDrain()
    {
        bool closeNow;
        lock (_gate)
        {
            _draining = true;
            closeNow = _activeCalls == 0;
        }

        if (closeNow)
        {
            Close("server shutdown");
        }
    }

    /// <summary>Closes at once; running handlers are cancelled.</summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            return;
        }

        _log.Debug("Closing connection: {Reason}", reason);
        _closed.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }
        catch (ObjectDisposedException)
        {
        }

        _stream.Dispose();
        foreach (var call in _calls.Values)
        {
            call.Abandon();
        }
    }

    public ValueTask WriteFrameAsync(uint streamId, FrameType type, FrameFlags flags, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        _writer.WriteAsync(streamId, type, flags, data, cancellationToken);

    public void OnCallFinished(ServerCall call)
    {
        _calls.TryRemove(new KeyValuePair<uint, ServerCall>(call.StreamId, call));
        bool closeNow;
        lock (_gate)
        {
            _activeCalls--;
            closeNow = _draining && _activeCalls == 0;
        }

        if (closeNow)
        {
            Close("server shutdown, last call finished");
        }
    }

    private async Task RunAsync()
    {
        string reason = "peer closed the connection";
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(ClosedToken).ConfigureAwait(false);
                if (result.Status == FrameReadStatus.EndOfStream)
                {
                    break;
                }

                if (result.Status == FrameReadStatus.Oversized)
                {
                    await OnOversizedAsync(result.Frame.Header).ConfigureAwait(false);
                    continue;
                }

                await DispatchAsync(result.Frame).ConfigureAwait(false);
            }
        }
        catch (TtrpcProtocolException e)
        {
            reason = e.Message;
            _log.Warning("Closing connection after a protocol error: {Error}", e.Message);
        }
        catch (OperationCanceledException) when (ClosedToken.IsCancellationRequested)
        {
            reason = "closed by the server";
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            reason = ClosedToken.IsCancellationRequested ? "closed by the server" : $"connection error: {e.Message}";
        }
        catch (Exception e)
        {
            // Nothing above may take the server down; an unexpected failure costs only this connection.
            reason = $"internal error: {e.Message}";
            _log.Error(e, "Connection reader failed");
        }
        finally
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
            Close(reason);
        }
    }

    private async Task OnOversizedAsync(FrameHeader header)
    {
        string message = FrameHeader.OversizeMessage(header.Length);
        _log.Warning("Dropped an oversized {Type} frame on stream {StreamId}: {Message}", header.Type, header.StreamId, message);
        var error = new TtrpcException(StatusCode.ResourceExhausted, message);
        if (header.Type == FrameType.Data && _calls.TryGetValue(header.StreamId, out var call))
        {
            await call.FailAsync(error).ConfigureAwait(false);
            return;
        }

        // channel.go answers the frame's stream with the status, whatever its type.
        await SendStatusAsync(header.StreamId, error).ConfigureAwait(false);
    }

    private async Task DispatchAsync(Frame frame)
    {
        var header = frame.Header;
        if (header.StreamId % 2 != 1)
        {
            await SendStatusAsync(header.StreamId, new TtrpcException(StatusCode.InvalidArgument, "StreamID must be odd for client initiated streams")).ConfigureAwait(false);
            return;
        }

        switch (header.Type)
        {
            case FrameType.Request:
                await OnRequestAsync(header, frame.Data).ConfigureAwait(false);
                break;

            case FrameType.Data:
                if (!_calls.TryGetValue(header.StreamId, out var call))
                {
                    await SendStatusAsync(header.StreamId, new TtrpcException(StatusCode.InvalidArgument, "StreamID is no longer active")).ConfigureAwait(false);
                    break;
                }

                if (call.ReceiveData(header.Flags, frame.Data) is { } dataError)
                {
                    _log.Warning("Stream {StreamId}: {Error}", header.StreamId, dataError.Detail);
                    await call.FailAsync(dataError).ConfigureAwait(false);
                }

                break;

            default:
                // Responses only travel from server to client, and no other types exist (PROTOCOL.md). A frame of
                // an active call ends that call; any other is answered on its stream id.
                var error = new TtrpcException(StatusCode.InvalidArgument, $"unexpected message type {(byte)header.Type} ({header.Type}) from a client");
                _log.Warning("Stream {StreamId}: {Error}", header.StreamId, error.Detail);
                if (_calls.TryGetValue(header.StreamId, out var active))
                {
                    await active.FailAsync(error).ConfigureAwait(false);
                }
                else
                {
                    await SendStatusAsync(header.StreamId, error).ConfigureAwait(false);
                }

                break;
        }
    }

    private async Task OnRequestAsync(FrameHeader header, ReadOnlyMemory<byte> data)
    {
        if (header.StreamId <= _lastStreamId)
        {
            await SendStatusAsync(header.StreamId, new TtrpcException(StatusCode.InvalidArgument, "StreamID cannot be re-used and must increment")).ConfigureAwait(false);
            return;
        }

        _lastStreamId = header.StreamId;

        Request request;
        try
        {
            request = Request.Parser.ParseFrom(data.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            _log.Warning("Stream {StreamId}: undecodable request: {Error}", header.StreamId, e.Message);
            await SendStatusAsync(header.StreamId, new TtrpcException(StatusCode.InvalidArgument, $"unmarshal request error: {e.Message}")).ConfigureAwait(false);
            return;
        }

        if (!_services.TryGetValue(request.Service, out var methods))
        {
            await SendStatusAsync(header.StreamId, new TtrpcException(StatusCode.Unimplemented, $"service {request.Service} not implemented")).ConfigureAwait(false);
            return;
        }

        if (!methods.TryGetValue(request.Method, out var method))
        {
            await SendStatusAsync(header.StreamId, new TtrpcException(StatusCode.Unimplemented, $"service {request.Service}: method {request.Method} not implemented")).ConfigureAwait(false);
            return;
        }

        lock (_gate)
        {
            if (!_draining)
            {
                _activeCalls++;
            }
            else
            {
                method = null;
            }
        }

        if (method is null)
        {
            await SendStatusAsync(header.StreamId, new TtrpcException(StatusCode.Unavailable, "ttrpc: server is shutting down")).ConfigureAwait(false);
            return;
        }

        var call = new ServerCall(this, header.StreamId, method, request, header.Flags, _log);
        _calls[header.StreamId] = call;
        call.Start();
    }

    private async Task SendStatusAsync(uint streamId, TtrpcException error)
    {
        byte[] data = new Response { Status = error.ToStatus() }.ToByteArray();
        await WriteFrameAsync(streamId, FrameType.Response, FrameFlags.None, data, ClosedToken).ConfigureAwait(false);
    }
}
