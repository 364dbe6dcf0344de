using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text.Json;
using Kata.Hypervisor.Vmm;
using Serilog;

namespace Kata.Hypervisor.Api;

/// <summary>
/// The VMM's control API: a Unix stream socket speaking newline-delimited JSON (<see cref="ControlApiProtocol"/>,
/// hypervisor/README.md). Each connection is served on its own task, requests in order; any number of bad requests,
/// abrupt disconnects or over-long lines cost that connection at most, never the server or the VM.
/// </summary>
/// <remarks>
/// Disposal stops accepting and reading at once but lets requests already running (a <c>shutdown</c> waiting for the
/// VM to end) send their response for up to <see cref="DrainTimeout"/>, so the VMM can dispose the server right after
/// the VM has ended without cutting off the client that asked for the shutdown.
/// </remarks>
public sealed class ControlApiServer : IAsyncDisposable
{
    private const int NotStarted = 0;
    private const int Running = 1;
    private const int Disposed = 2;

    private readonly ControlApiDispatcher _dispatcher;
    private readonly ILogger _log;
    /// <summary>Cancelled first on dispose: stop accepting and stop reading new requests.</summary>
    private readonly CancellationTokenSource _stopping = new();
    /// <summary>Cancelled when draining takes too long: abandon running commands and pending writes.</summary>
    private readonly CancellationTokenSource _abort = new();
    private readonly object _connectionsLock = new();
    private readonly Dictionary<long, Task> _connections = [];
    private Socket? _listener;
    /// <summary>Set once our bind created the socket file: only then may dispose remove it (it may be another VMM's).</summary>
    private bool _ownsSocketFile;
    private Task _acceptLoop = Task.CompletedTask;
    private long _lastConnectionId;
    private int _state = NotStarted;

    public ControlApiServer(string socketPath, IVmControl vm, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(logger);
        SocketPath = socketPath;
        _log = logger.ForContext<ControlApiServer>();
        _dispatcher = new ControlApiDispatcher(vm, _log);
    }

    public string SocketPath { get; }

    /// <summary>How long disposal waits for running requests to answer before abandoning them.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Connections served at once; one more gets an error line and is closed.</summary>
    public int MaxClients { get; init; } = ControlApiProtocol.MaxClients;

    /// <summary>Connections being served now.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_connectionsLock)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>
    /// Takes the socket path (replacing a stale socket file nobody listens on), restricts it to the owner (0600)
    /// and starts accepting. Throws <see cref="ControlApiException"/> when the path is in use or cannot be bound.
    /// </summary>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, Running, NotStarted) != NotStarted)
        {
            throw new InvalidOperationException("the control API server has already been started or disposed");
        }
        RemoveStaleSocket();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            _ownsSocketFile = true;
            // Before listen(): nobody can connect yet, so there is no window with looser permissions.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            listener.Listen(64);
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException)
        {
            listener.Dispose();
            throw new ControlApiException($"api-socket: cannot listen on {SocketPath}: {ex.Message}", ex);
        }
        _listener = listener;
        _acceptLoop = Task.Run(AcceptLoopAsync);
        _log.Information("Control API listening on {SocketPath}", SocketPath);
    }

    public async ValueTask DisposeAsync()
    {
        int previous = Interlocked.Exchange(ref _state, Disposed);
        if (previous == Disposed)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (previous == Running)
        {
            await _acceptLoop.ConfigureAwait(false);
            Task[] connections;
            lock (_connectionsLock)
            {
                connections = [.. _connections.Values];
            }
            Task all = Task.WhenAll(connections);
            try
            {
                await all.WaitAsync(DrainTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _log.Warning("Control API: {Count} request(s) still running after {DrainMs} ms; abandoning them",
                    connections.Count(c => !c.IsCompleted), DrainTimeout.TotalMilliseconds);
                await _abort.CancelAsync().ConfigureAwait(false);
                await all.ConfigureAwait(false);
            }
            TryDeleteSocketFile();
            _log.Debug("Control API on {SocketPath} closed", SocketPath);
        }
        _stopping.Dispose();
        _abort.Dispose();
    }

    private void RemoveStaleSocket()
    {
        if (Directory.Exists(SocketPath))
        {
            throw new ControlApiException($"api-socket: {SocketPath} is a directory");
        }
        if (!File.Exists(SocketPath))
        {
            return;
        }
        // A socket file outlives the process that bound it (after a crash or SIGKILL). If nobody accepts on it, it
        // is stale and can go; if somebody does, another VMM owns it and we must not take it over.
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(SocketPath));
            }
            catch (SocketException)
            {
                File.Delete(SocketPath);
                _log.Information("Control API: removed stale socket file {SocketPath}", SocketPath);
                return;
            }
        }
        throw new ControlApiException($"api-socket: {SocketPath} is in use by another process");
    }

    private void TryDeleteSocketFile()
    {
        if (!_ownsSocketFile)
        {
            return;
        }
        try
        {
            File.Delete(SocketPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.Warning("Control API: could not remove {SocketPath}: {Error}", SocketPath, ex.Message);
        }
    }

    private async Task AcceptLoopAsync()
    {
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // EMFILE and friends: keep serving the connections we have and try again shortly.
                _log.Warning("Control API: accept failed: {Error}", ex.Message);
                try
                {
                    await Task.Delay(100, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            long id = ++_lastConnectionId;
            lock (_connectionsLock)
            {
                if (_connections.Count >= MaxClients)
                {
                    _log.Warning("Control API: refusing connection {Connection}: {Max} clients already connected", id, MaxClients);
                    _ = RefuseAsync(client);
                    continue;
                }
                // ServeAsync yields before doing anything, so it cannot remove itself before it is added here.
                _connections.Add(id, ServeAsync(id, client));
            }
        }
    }

    private async Task RefuseAsync(Socket client)
    {
        using (client)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await WriteResponseAsync(client,
                    ControlApiResponse.Failure(null, $"too many control API clients (at most {MaxClients}); try again later"),
                    timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Best effort: the client is refused either way.
            }
        }
    }

    private async Task ServeAsync(long id, Socket socket)
    {
        await Task.Yield();
        _log.Debug("Control API: client {Connection} connected", id);
        try
        {
            using (socket)
            {
                var stream = new NetworkStream(socket, ownsSocket: false);
                PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true));
                try
                {
                    await ServeRequestsAsync(id, reader, socket).ConfigureAwait(false);
                }
                finally
                {
                    await reader.CompleteAsync().ConfigureAwait(false);
                    await stream.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The server is closing.
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            _log.Debug("Control API: client {Connection} went away: {Error}", id, ex.Message);
        }
        catch (Exception ex)
        {
            _log.Warning(ex, "Control API: client {Connection} failed", id);
        }
        finally
        {
            lock (_connectionsLock)
            {
                _connections.Remove(id);
            }
        }
    }

    private async Task ServeRequestsAsync(long id, PipeReader reader, Socket socket)
    {
        while (true)
        {
            LineReadResult read = await NdjsonLineReader
                .ReadLineAsync(reader, ControlApiProtocol.MaxRequestLineBytes, _stopping.Token)
                .ConfigureAwait(false);
            switch (read.Status)
            {
                case LineReadStatus.EndOfStream:
                    _log.Debug("Control API: client {Connection} disconnected", id);
                    return;
                case LineReadStatus.Truncated:
                    _log.Debug("Control API: client {Connection} disconnected in the middle of a request ({Bytes} bytes dropped)",
                        id, read.BufferedBytes);
                    return;
                case LineReadStatus.TooLong:
                    _log.Warning("Control API: client {Connection} sent a request line over {Max} bytes; closing it",
                        id, ControlApiProtocol.MaxRequestLineBytes);
                    await WriteResponseAsync(socket,
                        ControlApiResponse.Failure(null,
                            $"request line longer than {ControlApiProtocol.MaxRequestLineBytes} bytes; closing the connection"),
                        _abort.Token).ConfigureAwait(false);
                    return;
                default:
                    if (IsBlank(read.Line!))
                    {
                        continue;
                    }
                    ControlApiResponse response = await _dispatcher.HandleAsync(read.Line!, _abort.Token).ConfigureAwait(false);
                    await WriteResponseAsync(socket, response, _abort.Token).ConfigureAwait(false);
                    break;
            }
        }
    }

    private static async Task WriteResponseAsync(Socket socket, ControlApiResponse response, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, ControlApiProtocol.WriterOptions))
        {
            JsonSerializer.Serialize(writer, response, ControlApiJsonContext.Default.ControlApiResponse);
        }
        buffer.Write("\n"u8);
        ReadOnlyMemory<byte> bytes = buffer.WrittenMemory;
        while (!bytes.IsEmpty)
        {
            int sent = await socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }

    private static bool IsBlank(byte[] line)
    {
        foreach (byte b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                return false;
            }
        }
        return true;
    }
}
