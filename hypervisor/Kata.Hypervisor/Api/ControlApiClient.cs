using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text.Json;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Api;

/// <summary>
/// A client for the VMM's control API (used by tests, benchmarks and the shim). One connection; requests are sent
/// one at a time (concurrent callers queue) and each waits for its response.
/// </summary>
public sealed class ControlApiClient : IAsyncDisposable, IDisposable
{
    private static readonly ControlApiJsonContext Json = ControlApiJsonContext.Default;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private long _lastId;
    private int _disposed;

    private ControlApiClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    /// <summary>Connects to the control API socket; throws <see cref="ControlApiException"/> when nobody listens there.</summary>
    public static async Task<ControlApiClient> ConnectAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new ControlApiException($"cannot connect to the control API at {socketPath}: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new ControlApiClient(socket);
    }

    /// <summary>
    /// Sends <paramref name="command"/> and returns its <c>result</c>; throws <see cref="ControlApiException"/> with the
    /// server's <c>error</c> when it answers <c>"ok":false</c>.
    /// </summary>
    public async Task<JsonElement?> SendAsync(string command, int? graceMs = null, CancellationToken cancellationToken = default)
    {
        ControlApiResponse response = await SendRequestAsync(new ControlApiRequest { Command = command, GraceMs = graceMs }, cancellationToken)
            .ConfigureAwait(false);
        if (!response.Ok)
        {
            throw new ControlApiException(response.Error ?? $"{command} failed without an error message");
        }
        return response.Result;
    }

    /// <summary>Sends a request as given (its id is replaced by the client's next id) and returns the raw response.</summary>
    public async Task<ControlApiResponse> SendRequestAsync(ControlApiRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long id = ++_lastId;
            ControlApiRequest withId = request with { Id = JsonSerializer.SerializeToElement(id, Json.Int64) };
            await WriteLineAsync(withId, cancellationToken).ConfigureAwait(false);
            ControlApiResponse response = await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
            if (response.Id is not { ValueKind: JsonValueKind.Number } responseId || !responseId.TryGetInt64(out long echoed) || echoed != id)
            {
                // Only a response to an unreadable request has no id; anything else is out of step with us.
                throw new ControlApiException(response.Ok
                    ? $"control API protocol error: response id {response.Id?.GetRawText() ?? "null"} does not match request id {id}"
                    : response.Error ?? "control API protocol error");
            }
            return response;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    public async Task<PingResult> PingAsync(CancellationToken cancellationToken = default) =>
        Convert(await SendAsync(ControlApiProtocol.Ping, cancellationToken: cancellationToken).ConfigureAwait(false), Json.PingResult);

    public async Task<VmState> GetStateAsync(CancellationToken cancellationToken = default) =>
        Convert(await SendAsync(ControlApiProtocol.State, cancellationToken: cancellationToken).ConfigureAwait(false), Json.StateResult).State;

    public async Task<VmState> PauseAsync(CancellationToken cancellationToken = default) =>
        Convert(await SendAsync(ControlApiProtocol.Pause, cancellationToken: cancellationToken).ConfigureAwait(false), Json.StateResult).State;

    public async Task<VmState> ResumeAsync(CancellationToken cancellationToken = default) =>
        Convert(await SendAsync(ControlApiProtocol.Resume, cancellationToken: cancellationToken).ConfigureAwait(false), Json.StateResult).State;

    public async Task<VmMetrics> GetMetricsAsync(CancellationToken cancellationToken = default) =>
        Convert(await SendAsync(ControlApiProtocol.Metrics, cancellationToken: cancellationToken).ConfigureAwait(false), Json.VmMetrics);

    /// <summary>Graceful shutdown, forced after <paramref name="grace"/> (default 5 s); returns once the VM has ended.</summary>
    public async Task<ShutdownResult> ShutdownAsync(TimeSpan? grace = null, CancellationToken cancellationToken = default)
    {
        int? graceMs = grace is { } g ? (int)Math.Clamp(g.TotalMilliseconds, 0, ControlApiProtocol.MaxShutdownGraceMs) : null;
        return Convert(await SendAsync(ControlApiProtocol.Shutdown, graceMs, cancellationToken).ConfigureAwait(false), Json.ShutdownResult);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _oneAtATime.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _reader.Complete();
        _stream.Dispose();
        _oneAtATime.Dispose();
    }

    private async Task WriteLineAsync(ControlApiRequest request, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, ControlApiProtocol.WriterOptions))
        {
            JsonSerializer.Serialize(writer, request, Json.ControlApiRequest);
        }
        buffer.Write("\n"u8);
        try
        {
            await _stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new ControlApiException($"control API connection broken: {ex.Message}", ex);
        }
    }

    private async Task<ControlApiResponse> ReadResponseAsync(CancellationToken cancellationToken)
    {
        LineReadResult read;
        try
        {
            read = await NdjsonLineReader.ReadLineAsync(_reader, ControlApiProtocol.MaxResponseLineBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new ControlApiException($"control API connection broken: {ex.Message}", ex);
        }
        if (read.Status != LineReadStatus.Line)
        {
            throw new ControlApiException(read.Status == LineReadStatus.TooLong
                ? $"control API response longer than {ControlApiProtocol.MaxResponseLineBytes} bytes"
                : "the control API closed the connection");
        }
        try
        {
            return JsonSerializer.Deserialize(read.Line, Json.ControlApiResponse)
                   ?? throw new ControlApiException("control API sent a null response");
        }
        catch (JsonException ex)
        {
            throw new ControlApiException($"control API sent malformed JSON: {ex.Message}", ex);
        }
    }

    private static T Convert<T>(JsonElement? result, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        if (result is not { } element)
        {
            throw new ControlApiException("control API response has no result");
        }
        try
        {
            return element.Deserialize(typeInfo) ?? throw new ControlApiException("control API result is null");
        }
        catch (JsonException ex)
        {
            throw new ControlApiException($"control API result is not a {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}
