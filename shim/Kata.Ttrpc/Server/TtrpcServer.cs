using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net.Sockets;
using Serilog;

namespace Kata.Ttrpc.Server;

/// <summary>
/// A ttrpc server on Unix sockets. Register services with <see cref="AddService"/>, then serve on a path
/// (<see cref="ListenUnix"/>) or on a socket that is already listening (<see cref="Serve(Socket)"/>, e.g. the one a
/// containerd shim daemon inherits on fd 3). <see cref="ShutdownAsync"/> stops accepting, lets in-flight calls
/// finish and then closes; <see cref="DisposeAsync"/> closes at once. Both are idempotent.
/// </summary>
public sealed class TtrpcServer : IAsyncDisposable, IDisposable
{
    private const int ListenBacklog = 128;

    private readonly ILogger _log;
    private readonly Dictionary<string, TtrpcServiceBuilder> _registrations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, ServerConnection> _connections = new();
    private readonly List<Socket> _listeners = [];
    private readonly List<string> _boundPaths = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly Lock _gate = new();
    private FrozenDictionary<string, FrozenDictionary<string, MethodHandler>>? _services;
    private long _nextConnectionId;
    private bool _stopping;

    public TtrpcServer(ILogger logger)
    {
        _log = logger.ForContext<TtrpcServer>();
    }

    /// <summary>The registered service names.</summary>
    public IReadOnlyCollection<string> ServiceNames
    {
        get
        {
            lock (_gate)
            {
                return _registrations.Keys.ToArray();
            }
        }
    }

    /// <summary>Number of open connections (for diagnostics and tests).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// Registers a service under its full name (e.g. "containerd.task.v2.Task"). Must happen before serving starts;
    /// registering the same name twice is an error.
    /// </summary>
    public TtrpcServer AddService(string serviceName, Action<TtrpcServiceBuilder> configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new TtrpcServiceBuilder(serviceName);
        configure(builder);
        lock (_gate)
        {
            if (_services is not null)
            {
                throw new InvalidOperationException($"cannot add service {serviceName}: the server is already serving");
            }

            if (!_registrations.TryAdd(serviceName, builder))
            {
                throw new InvalidOperationException($"service {serviceName} is already registered");
            }
        }

        return this;
    }

    /// <summary>
    /// Binds a new Unix socket at <paramref name="socketPath"/> (a leading NUL makes it abstract) and serves on it; a
    /// socket file is removed at shutdown.
    /// </summary>
    public void ListenUnix(string socketPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(socketPath));
            socket.Listen(ListenBacklog);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"cannot listen on ttrpc socket {socketPath}: {e.Message} ({e.SocketErrorCode})", e);
        }

        // An abstract socket name (leading NUL) has no file to remove.
        if (socketPath[0] != '\0')
        {
            lock (_gate)
            {
                _boundPaths.Add(socketPath);
            }
        }

        Serve(socket);
    }

    /// <summary>Serves on an inherited listening socket given as a handle (the shim daemon's fd 3).</summary>
    public void Serve(SafeSocketHandle listeningHandle)
    {
        ArgumentNullException.ThrowIfNull(listeningHandle);
        Serve(new Socket(listeningHandle));
    }

    /// <summary>Serves on a socket that is bound and listening. The server owns it from now on.</summary>
    public void Serve(Socket listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (listener.SocketType != SocketType.Stream)
        {
            throw new ArgumentException($"a ttrpc server needs a stream socket, got {listener.SocketType}", nameof(listener));
        }

        if (listener.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection) is not int accepting || accepting == 0)
        {
            throw new ArgumentException("the socket handed to the ttrpc server is not listening (SO_ACCEPTCONN is 0): call listen(2) first", nameof(listener));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _services ??= _registrations.ToFrozenDictionary(
                pair => pair.Key,
                pair => pair.Value.Methods.ToFrozenDictionary(StringComparer.Ordinal),
                StringComparer.Ordinal);
            _listeners.Add(listener);
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener)));
        }

        _log.Information("Serving ttrpc on {Endpoint}: {Services}", listener.LocalEndPoint?.ToString() ?? "inherited socket", string.Join(", ", _services.Keys));
    }

    /// <summary>
    /// Graceful shutdown: stop accepting, refuse new requests with UNAVAILABLE, wait for in-flight calls, close.
    /// When <paramref name="cancellationToken"/> fires first, the remaining connections are closed at once.
    /// </summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        StopAccepting();
        foreach (var connection in _connections.Values)
        {
            connection.BeginDrain();
        }

        var all = Task.WhenAll(_connections.Values.Select(c => c.Completion).Concat(AcceptLoops()));
        try
        {
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _log.Warning("Shutdown wait cancelled; closing {Count} connections with calls in flight", _connections.Count);
            CloseAll();
            await all.ConfigureAwait(false);
        }
    }

    /// <summary>Closes listeners and connections without waiting for calls. Idempotent.</summary>
    public void Dispose()
    {
        StopAccepting();
        CloseAll();
    }

    public async ValueTask DisposeAsync()
    {
        Dispose();
        await Task.WhenAll(_connections.Values.Select(c => c.Completion).Concat(AcceptLoops())).ConfigureAwait(false);
    }

    private Task[] AcceptLoops()
    {
        lock (_gate)
        {
            return _acceptLoops.ToArray();
        }
    }

    private void CloseAll()
    {
        foreach (var connection in _connections.Values)
        {
            connection.Close("server closed");
        }
    }

    private void StopAccepting()
    {
        Socket[] listeners;
        string[] paths;
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            listeners = _listeners.ToArray();
            paths = _boundPaths.ToArray();
        }

        _stopAccepting.Cancel();
        foreach (var listener in listeners)
        {
            listener.Dispose();
        }

        foreach (var path in paths)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException e)
            {
                _log.Warning("Could not remove ttrpc socket {Path}: {Error}", path, e.Message);
            }
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        var backoff = TimeSpan.Zero;
        while (!_stopAccepting.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopAccepting.Token).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (Exception e) when (_stopAccepting.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
            catch (SocketException e)
            {
                // EMFILE, ENFILE, ENOBUFS…: back off like server.go (1 ms doubling to 1 s) and keep serving.
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.TicksPerSecond));
                _log.Error("ttrpc accept failed ({Error}); retrying in {Backoff}", e.SocketErrorCode, backoff);
                try
                {
                    await Task.Delay(backoff, _stopAccepting.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            StartConnection(socket);
        }
    }

    private void StartConnection(Socket socket)
    {
        long id = Interlocked.Increment(ref _nextConnectionId);
        var connection = new ServerConnection(socket, _services!, id, _log);
        lock (_gate)
        {
            if (_stopping)
            {
                socket.Dispose();
                return;
            }

            _connections[id] = connection;
            connection.Start();
        }

        _log.Debug("Accepted ttrpc connection {Connection}", id);
        connection.Completion.ContinueWith(
            _ => _connections.TryRemove(id, out ServerConnection? _),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
