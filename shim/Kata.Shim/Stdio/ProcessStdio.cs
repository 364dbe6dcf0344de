using Kata.Shim.Interop;
using Kata.Shim.Processes;
using Serilog;

namespace Kata.Shim.Stdio;

/// <summary>
/// Connects one process's stdio to what containerd asked for: stdout/stderr are pulled from the agent until EOF and
/// written to the FIFO, file:// or binary:// target (or drained, when there is none, so the process never blocks on
/// a full pipe); stdin is copied from its FIFO to the agent and closed at EOF. <see cref="OutputCompleted"/> ends when
/// both output streams hit EOF, which is what the exit path waits for, so no output is lost when a process exits at once.
/// </summary>
public sealed class ProcessStdio
{
    private const int StdinChunkBytes = 32 * 1024;

    private readonly StdioPaths _paths;
    private readonly IProcessStreams _streams;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private Stream? _stdout;
    private Stream? _stderr;
    private int _stdinClosed;

    private ProcessStdio(StdioPaths paths, IProcessStreams streams, ILogger log)
    {
        _paths = paths;
        _streams = streams;
        _log = log;
    }

    public Task OutputCompleted { get; private set; } = Task.CompletedTask;
    public Task StdinCompleted { get; private set; } = Task.CompletedTask;

    /// <summary>Opens the output targets (a FIFO blocks until containerd reads it; containerd opens it before Create).</summary>
    public static async Task<ProcessStdio> OpenAsync(StdioPaths paths, IProcessStreams streams, string containerId,
        string containerdNamespace, ILogger log, CancellationToken cancel)
    {
        var stdio = new ProcessStdio(paths, streams, log);
        try
        {
            if (IsBinary(paths.Stdout))
            {
                BinaryLogger logger = await BinaryLogger.StartAsync(new Uri(paths.Stdout), containerId, containerdNamespace, cancel);
                stdio._stdout = logger.Stdout;
                stdio._stderr = logger.Stderr;
            }
            else
            {
                stdio._stdout = await OpenOutputAsync(paths.Stdout, cancel);
                if (!paths.Terminal)
                {
                    stdio._stderr = await OpenOutputAsync(paths.Stderr, cancel);
                }
            }
            return stdio;
        }
        catch
        {
            stdio._stdout?.Dispose();
            stdio._stderr?.Dispose();
            throw;
        }
    }

    /// <summary>Starts copying; call once the agent has the process.</summary>
    public void Start()
    {
        OutputCompleted = _paths.Terminal
            ? PumpOutputAsync(stderr: false, _stdout)
            : Task.WhenAll(PumpOutputAsync(stderr: false, _stdout), PumpOutputAsync(stderr: true, _stderr));
        if (_paths.Stdin.Length > 0)
        {
            StdinCompleted = PumpStdinAsync(_paths.Stdin);
        }
    }

    /// <summary>CloseIO(stdin): the client is done; the process sees EOF on stdin.</summary>
    public async Task CloseStdinAsync(CancellationToken cancel)
    {
        if (Interlocked.Exchange(ref _stdinClosed, 1) == 0)
        {
            await _streams.CloseStdinAsync(cancel);
        }
    }

    /// <summary>Stops the stdin copy (the process is gone); output copies end on their own at EOF.</summary>
    public void Stop() => _stop.Cancel();

    /// <summary>Closes the targets of a process that never started (its Create or Exec failed).</summary>
    public void Discard()
    {
        _stop.Cancel();
        _stdout?.Dispose();
        _stderr?.Dispose();
    }

    private static bool IsBinary(string path) => path.StartsWith("binary://", StringComparison.Ordinal);

    private static async Task<Stream?> OpenOutputAsync(string target, CancellationToken cancel)
    {
        if (target.Length == 0)
        {
            return null;
        }
        if (target.StartsWith("file://", StringComparison.Ordinal))
        {
            string path = new Uri(target).LocalPath;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1);
        }
        if (target.Contains("://", StringComparison.Ordinal))
        {
            throw new ArgumentException($"stdio target {target}: unsupported scheme (expected a FIFO path, file:// or binary://)");
        }
        return new FileStream(await Fifo.OpenForWritingAsync(target, cancel), FileAccess.Write, 1);
    }

    private async Task PumpOutputAsync(bool stderr, Stream? target)
    {
        string name = stderr ? "stderr" : "stdout";
        try
        {
            while (true)
            {
                (ReadOnlyMemory<byte> data, bool eof) = await _streams.ReadAsync(stderr, CancellationToken.None);
                if (eof)
                {
                    return;
                }
                if (target is null || data.IsEmpty)
                {
                    continue;
                }
                try
                {
                    await target.WriteAsync(data);
                    await target.FlushAsync();
                }
                catch (IOException e)
                {
                    // The reader went away (EPIPE): keep draining the agent so the process never blocks.
                    _log.Warning("{Stream}: {Error}; discarding the rest of the output", name, e.Message);
                    await target.DisposeAsync();
                    target = null;
                }
            }
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or IOException or InvalidOperationException)
        {
            _log.Warning("{Stream}: copy from the agent ended: {Error}", name, e.Message);
        }
        finally
        {
            if (target is not null)
            {
                await target.DisposeAsync();
            }
        }
    }

    private async Task PumpStdinAsync(string path)
    {
        try
        {
            // Non-blocking open: succeeds before containerd opens its writer; ReadWhenReady waits for data or EOF.
            using var handle = Fifo.OpenHandle(path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
            byte[] buffer = new byte[StdinChunkBytes];
            while (!_stop.IsCancellationRequested && Volatile.Read(ref _stdinClosed) == 0)
            {
                int read = await Task.Run(() => Fifo.ReadWhenReady(handle, buffer, _stop.Token));
                if (read <= 0)
                {
                    break;
                }
                await _streams.WriteStdinAsync(buffer.AsMemory(0, read), _stop.Token);
            }
            if (!_stop.IsCancellationRequested)
            {
                await CloseStdinAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or IOException)
        {
            _log.Debug("stdin copy ended: {Error}", e.Message);
        }
    }
}
