using Grpc.Core;
using Kata.Agent.Protocol;
using Kata.Sandbox;
using Kata.Sandbox.Configuration;
using Serilog;

namespace Kata.Shim.Pod;

/// <summary>
/// The pod's one sandbox (VM or agent process): started with the pod's first container, stopped with its last. When
/// it ends on its own (VMM or agent died) <see cref="Died"/> fires once, so every process can be reported as exited
/// instead of waiting forever; OOM events from the agent are passed on through <see cref="OutOfMemory"/>.
/// </summary>
public sealed class PodSandbox
{
    private readonly Func<SandboxOptions, ILogger, ISandbox> _factory;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CancellationTokenSource _stopping = new();

    public PodSandbox(Func<SandboxOptions, ILogger, ISandbox> factory, ILogger log)
    {
        _factory = factory;
        _log = log;
    }

    public ISandbox? Sandbox { get; private set; }
    public KataConfiguration? Configuration { get; private set; }
    public string? Id { get; private set; }

    /// <summary>The sandbox ended without being stopped; the argument says why.</summary>
    public event Action<string>? Died;
    /// <summary>The agent reported an OOM kill in the named container.</summary>
    public event Action<string>? OutOfMemory;

    public ISandbox Running => Sandbox ?? throw new InvalidOperationException("the pod's sandbox is not running");

    /// <summary>
    /// The running sandbox, or a new one started for the pod's first container with <paramref name="disks"/> (its
    /// rootfs image, `vm` only) attached.
    /// </summary>
    public async Task<ISandbox> EnsureStartedAsync(string sandboxId, KataConfiguration configuration, string? hostname,
        IReadOnlyList<SandboxDisk> disks, CancellationToken cancel)
    {
        await _gate.WaitAsync(cancel);
        try
        {
            if (Sandbox is not null)
            {
                return Sandbox;
            }
            SandboxOptions options = configuration.ToSandboxOptions(sandboxId) with { Disks = disks };
            _log.Information("starting {Kind} sandbox {Sandbox} (configuration {Config})", options.Kind, sandboxId,
                configuration.SourcePath ?? "built-in defaults");
            ISandbox sandbox = _factory(options, _log);
            try
            {
                await sandbox.StartAsync(cancel);
                await sandbox.Connection.Agent.CreateSandboxAsync(new CreateSandboxRequest
                {
                    SandboxId = sandboxId,
                    Hostname = hostname ?? "",
                }, cancellationToken: cancel);
            }
            catch (Exception e)
            {
                _log.Error("sandbox {Sandbox} did not start: {Error}", sandboxId, e.Message);
                try
                {
                    await sandbox.StopAsync(TimeSpan.Zero);
                }
                catch (Exception cleanup) when (cleanup is InvalidOperationException or RpcException or IOException)
                {
                    // Never hide why the start failed behind a failure of the cleanup.
                    _log.Warning("stopping the failed sandbox {Sandbox}: {Error}", sandboxId, cleanup.Message);
                }
                await sandbox.DisposeAsync();
                RemoveStateDirectory(options.StateDirectory);
                throw;
            }
            Sandbox = sandbox;
            Configuration = configuration;
            Id = sandboxId;
            _stopping = new CancellationTokenSource();
            CancellationToken stopping = _stopping.Token;
            _ = sandbox.Ended.ContinueWith(ended =>
            {
                if (!stopping.IsCancellationRequested)
                {
                    _log.Error("sandbox {Sandbox} ended on its own: {Reason}", sandboxId, ended.Result);
                    Died?.Invoke(ended.Result);
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            _ = WatchOutOfMemoryAsync(sandbox, stopping);
            return sandbox;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the sandbox (DestroySandbox, then the process) and removes its state directory. Idempotent.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        await _gate.WaitAsync();
        try
        {
            if (Sandbox is not { } sandbox)
            {
                return;
            }
            await _stopping.CancelAsync();
            _log.Information("stopping sandbox {Sandbox}", Id);
            await sandbox.StopAsync(grace);
            await sandbox.DisposeAsync();
            if (Configuration is not null && Id is not null)
            {
                RemoveStateDirectory(Configuration.SandboxStateDirectory(Id));
            }
            Sandbox = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void RemoveStateDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("could not remove sandbox state {Directory}: {Error}", directory, e.Message);
        }
    }

    private async Task WatchOutOfMemoryAsync(ISandbox sandbox, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested && !sandbox.Ended.IsCompleted)
        {
            try
            {
                OOMEvent oom = await sandbox.Connection.Agent.GetOOMEventAsync(new GetOOMEventRequest(), cancellationToken: stopping);
                OutOfMemory?.Invoke(oom.ContainerId);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
            {
                _log.Debug("the agent does not report OOM events: {Detail}", e.Status.Detail);
                return;
            }
            catch (RpcException) when (stopping.IsCancellationRequested || sandbox.Ended.IsCompleted)
            {
                return;
            }
            catch (RpcException e)
            {
                _log.Warning("GetOOMEvent failed ({Detail}); asking again", e.Status.Detail);
                try
                {
                    await Task.WhenAny(sandbox.Ended, Task.Delay(TimeSpan.FromSeconds(1), stopping));
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
