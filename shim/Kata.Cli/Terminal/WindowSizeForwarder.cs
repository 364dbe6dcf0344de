using System.Runtime.InteropServices;
using Grpc.Core;
using Kata.Agent.Protocol;
using Serilog;

namespace Kata.Cli.Terminal;

/// <summary>
/// Carries a host terminal's window size to the container's terminal (agent.proto TtyWinResize, TIOCSWINSZ on the
/// agent's pty master, which sends SIGWINCH to the container's foreground process group).
///
/// Two ways to notice a change. <see cref="OnSignal"/>: the terminal is the controlling terminal of this process's
/// session and we are in its foreground process group, so the kernel sends us SIGWINCH (`run`/`exec --tty` on the
/// user's terminal). <see cref="ByPolling"/>: the slave of the pty whose master went out over --console-socket is no
/// process's controlling terminal (the monitor opened it O_NOCTTY and must not take it as one: a hangup would then
/// SIGHUP the monitor and the sandbox it owns), so no SIGWINCH is ever sent for it and its size is read now and then.
/// Either way only a size different from the last one sent goes to the agent.
/// </summary>
public sealed class WindowSizeForwarder : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly int _fd;
    private readonly AgentService.AgentServiceClient _agent;
    private readonly string _containerId;
    private readonly string _execId;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private IDisposable? _signal;
    private (uint Rows, uint Columns)? _sent;

    private WindowSizeForwarder(int fd, (uint Rows, uint Columns) created, AgentService.AgentServiceClient agent, string containerId, string execId, ILogger log)
    {
        _fd = fd;
        _agent = agent;
        _containerId = containerId;
        _execId = execId;
        _log = log;
        _sent = created;
    }

    /// <summary>Forwards on SIGWINCH; <paramref name="created"/> is the size the process's terminal was made with.</summary>
    public static WindowSizeForwarder OnSignal(int fd, (uint Rows, uint Columns) created, AgentService.AgentServiceClient agent, string containerId, string execId, ILogger log)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("SIGWINCH: terminals are followed on Linux only");
        }
        var forwarder = new WindowSizeForwarder(fd, created, agent, containerId, execId, log);
        forwarder._signal = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, signal => { _ = forwarder.ForwardAsync(); });
        // A change between reading the size for the create/exec request and registering is not lost.
        _ = forwarder.ForwardAsync();
        return forwarder;
    }

    /// <summary>Forwards what a poll of <paramref name="fd"/>'s size finds, until disposed; <paramref name="created"/> as above.</summary>
    public static WindowSizeForwarder ByPolling(int fd, (uint Rows, uint Columns) created, AgentService.AgentServiceClient agent, string containerId, string execId, ILogger log)
    {
        var forwarder = new WindowSizeForwarder(fd, created, agent, containerId, execId, log);
        _ = forwarder.PollAsync();
        return forwarder;
    }

    private async Task PollAsync()
    {
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await ForwardAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ForwardAsync()
    {
        try
        {
            await _sending.WaitAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            if (PseudoTerminal.WindowSize(_fd) is not { } size || size == _sent)
            {
                return;
            }
            await _agent.TtyWinResizeAsync(new TtyWinResizeRequest { ContainerId = _containerId, ExecId = _execId, Row = size.Rows, Column = size.Columns },
                cancellationToken: _stop.Token);
            _sent = size;
            _log.Debug("terminal of {ContainerId}/{ExecId} resized to {Rows}x{Columns}", _containerId, _execId, size.Rows, size.Columns);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or ObjectDisposedException)
        {
            // The process has exited (or is exiting): there is no terminal left to resize.
            _log.Debug("resizing the terminal of {ContainerId}/{ExecId}: {Error}", _containerId, _execId, e.Message);
        }
        finally
        {
            _sending.Release();
        }
    }

    public void Dispose()
    {
        _signal?.Dispose();
        _stop.Cancel();
    }
}
