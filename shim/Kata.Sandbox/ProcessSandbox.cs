using Serilog;

namespace Kata.Sandbox;

/// <summary>
/// The `process` sandbox: kata-style-agent as a host process serving on a Unix socket in the sandbox's state
/// directory. The containers still get their own namespaces and cgroups from the agent's engine; what is missing
/// is the VM boundary (ARCHITECTURE.md: weaker isolation, for development, CI and hosts without usable KVM).
/// </summary>
public sealed class ProcessSandbox : ISandbox
{
    private readonly SandboxOptions _options;
    private readonly ILogger _log;
    private SandboxChildProcess? _agent;
    private AgentConnection? _connection;
    private readonly TaskCompletionSource<string> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ProcessSandbox(SandboxOptions options, ILogger log)
    {
        _options = options;
        _log = log.ForContext("sandbox", options.Id);
    }

    public string Id => _options.Id;
    public SandboxKind Kind => SandboxKind.Process;
    public AgentConnection Connection => _connection ?? throw new InvalidOperationException($"sandbox {Id} is not started");
    public Task<string> Ended => _ended.Task;
    /// <summary>The agent's socket in the state directory (<see cref="SandboxAttach"/> finds it by this name).</summary>
    public const string AgentSocketName = "agent.sock";

    public string SocketPath => Path.Combine(_options.StateDirectory, AgentSocketName);

    public async Task StartAsync(CancellationToken cancel)
    {
        CommandPrefix agent = _options.Agent ?? throw new SandboxStartException("the process sandbox needs the kata-style-agent executable (not found)");
        Directory.CreateDirectory(_options.StateDirectory);
        string[] args = ["--listen", $"unix:{SocketPath}", "--state-dir", Path.Combine(_options.StateDirectory, "agent"),
            "--log-level", _options.Debug ? "debug" : "information"];
        // Working directory: the sandbox's own, not whatever directory the CLI or shim was started in.
        _agent = SandboxChildProcess.Start(agent, args, Path.Combine(_options.StateDirectory, "agent.log"), _options.StateDirectory);
        _log.Information("process sandbox: agent pid {Pid} on {Socket}", _agent.Pid, SocketPath);
        _connection = AgentConnection.OverUnixSocket(SocketPath);
        _ = _agent.Exited.ContinueWith(t => _ended.TrySetResult($"the agent (pid {_agent.Pid}) exited with code {t.Result}"),
            TaskScheduler.Default);
        try
        {
            await AgentReadiness.WaitAsync(_connection, _agent.Exited, _options.AgentTimeout,
                reason => $"process sandbox {Id}: {reason}; agent log ({_agent.LogPath}):\n{_agent.Tail()}", cancel);
        }
        catch
        {
            await _agent.StopAsync(TimeSpan.Zero);
            throw;
        }
    }

    public async Task StopAsync(TimeSpan grace)
    {
        if (_agent is null)
        {
            return;
        }
        bool destroyed = false;
        if (!_agent.Exited.IsCompleted)
        {
            try
            {
                await Connection.Agent.DestroySandboxAsync(new Agent.Protocol.DestroySandboxRequest(), deadline: DateTime.UtcNow + grace);
                destroyed = true;
            }
            catch (Grpc.Core.RpcException e)
            {
                _log.Warning("DestroySandbox failed ({Status}): stopping the agent anyway", e.Status.Detail);
            }
        }
        // DestroySandbox answers once every container is killed and removed: the agent has nothing left to do, and
        // SIGKILL spares the wait for its host's graceful shutdown. Otherwise SIGTERM, then SIGKILL after the grace.
        int code = destroyed ? await _agent.KillAsync() : await _agent.StopAsync(grace);
        _ended.TrySetResult($"stopped (agent exit code {code})");
    }

    public async ValueTask DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
        _connection?.Dispose();
        _ended.TrySetResult("disposed");
    }
}
