using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Kata.Agent.Protocol;
using Kata.Shim.Processes;
using Kata.Shim.Protos.Events;
using Kata.Shim.Protos.Task;
using Kata.Shim.Protos.Types;

namespace Kata.Shim.Service;

/// <summary>State, Pids, Kill, Pause/Resume, Wait, Stats, Update, CloseIO, ResizePty, Connect, Shutdown, Checkpoint.</summary>
public sealed partial class TaskService
{
    /// <summary>The type URL of an OCI LinuxResources object as containerd's typeurl packs it (JSON value).</summary>
    public const string LinuxResourcesTypeUrl = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources";
    /// <summary>Stats answers with cgroup v1 metrics under this type URL, which `ctr task metrics` and the CRI decode.</summary>
    public const string CgroupV1MetricsTypeUrl = "io.containerd.cgroups.v1.Metrics";

    public StateResponse State(StateRequest request)
    {
        ShimContainer container = Get(request.Id);
        ShimProcess process = container.Process(request.ExecId);
        var response = new StateResponse
        {
            Id = process.IsInit ? container.Id : process.ExecId,
            ExecId = process.ExecId,
            Bundle = container.Bundle,
            Pid = (uint)process.Pid,
            Status = ToStatus(process.State.State),
            Stdin = process.Stdio.Stdin,
            Stdout = process.Stdio.Stdout,
            Stderr = process.Stdio.Stderr,
            Terminal = process.Stdio.Terminal,
        };
        if (process.ExitStatus is { } exit)
        {
            response.ExitStatus = exit.Code;
            response.ExitedAt = Time(exit.At);
        }
        return response;
    }

    public static Status ToStatus(ProcessState state) => state switch
    {
        ProcessState.Created => Status.Created,
        ProcessState.Running => Status.Running,
        ProcessState.Paused => Status.Paused,
        ProcessState.Stopped or ProcessState.Deleted => Status.Stopped,
        _ => Status.Unknown,
    };

    public async Task<PidsResponse> PidsAsync(PidsRequest request, CancellationToken cancel)
    {
        ShimContainer container = Get(request.Id);
        ListProcessesResponse listed = await _pod.Running.Connection.Agent.ListProcessesAsync(
            new ListProcessesRequest { ContainerId = container.Id }, cancellationToken: cancel);
        var response = new PidsResponse();
        response.Processes.AddRange(listed.Pids.Select(pid => new ProcessInfo { Pid = pid }));
        return response;
    }

    public async Task KillAsync(KillRequest request, CancellationToken cancel)
    {
        ShimContainer container = Get(request.Id);
        ShimProcess process = container.Process(request.ExecId);
        if (request.Signal is 0 or > 64)
        {
            throw new ArgumentException($"signal {request.Signal} is not a signal number (1..64)");
        }
        process.State.EnsureCanKill();
        if (!process.IsInit && process.State.State == ProcessState.Created)
        {
            // An exec that was never started has no process to signal: it is simply over.
            ReportExit(process, new ExitStatus(128 + request.Signal, DateTimeOffset.UtcNow));
            return;
        }
        await _pod.Running.Connection.Agent.SignalProcessAsync(new SignalProcessRequest
        {
            ContainerId = container.Id,
            ExecId = process.ExecId,
            Signal = request.Signal,
            All = request.All,
        }, cancellationToken: cancel);
    }

    public async Task PauseAsync(PauseRequest request, CancellationToken cancel)
    {
        ShimContainer container = Get(request.Id);
        container.Init.State.Ensure("pause", ProcessState.Running);
        await _pod.Running.Connection.Agent.PauseContainerAsync(new PauseContainerRequest { ContainerId = container.Id }, cancellationToken: cancel);
        container.Init.State.Pause();
        Publish(new TaskPaused { ContainerId = container.Id });
    }

    public async Task ResumeAsync(ResumeRequest request, CancellationToken cancel)
    {
        ShimContainer container = Get(request.Id);
        container.Init.State.Ensure("resume", ProcessState.Paused);
        await _pod.Running.Connection.Agent.ResumeContainerAsync(new ResumeContainerRequest { ContainerId = container.Id }, cancellationToken: cancel);
        container.Init.State.Resume();
        Publish(new TaskResumed { ContainerId = container.Id });
    }

    public async Task<WaitResponse> WaitAsync(WaitRequest request, CancellationToken cancel)
    {
        ShimProcess process = Get(request.Id).Process(request.ExecId);
        ExitStatus exit = await process.Exited.WaitAsync(cancel);
        return new WaitResponse { ExitStatus = exit.Code, ExitedAt = Time(exit.At) };
    }

    public async Task<StatsResponse> StatsAsync(StatsRequest request, CancellationToken cancel)
    {
        ShimContainer container = Get(request.Id);
        StatsContainerResponse stats = await _pod.Running.Connection.Agent.StatsContainerAsync(
            new StatsContainerRequest { ContainerId = container.Id }, cancellationToken: cancel);
        Protos.Metrics.Metrics metrics = MetricsConverter.FromAgent(stats.CgroupStats ?? new CgroupStats());
        return new StatsResponse { Stats = new Any { TypeUrl = CgroupV1MetricsTypeUrl, Value = metrics.ToByteString() } };
    }

    public async Task UpdateAsync(UpdateTaskRequest request, CancellationToken cancel)
    {
        ShimContainer container = Get(request.Id);
        if (request.Resources is null || request.Resources.Value.IsEmpty)
        {
            throw new ArgumentException($"update of container {container.Id}: no resources given");
        }
        if (!request.Resources.TypeUrl.EndsWith("LinuxResources", StringComparison.Ordinal))
        {
            throw new ArgumentException($"update of container {container.Id}: resources of type {request.Resources.TypeUrl} (expected {LinuxResourcesTypeUrl})");
        }
        await _pod.Running.Connection.Agent.UpdateContainerAsync(new UpdateContainerRequest
        {
            ContainerId = container.Id,
            LinuxResourcesJson = request.Resources.Value,
        }, cancellationToken: cancel);
    }

    public async Task CloseIOAsync(CloseIORequest request, CancellationToken cancel)
    {
        ShimProcess process = Get(request.Id).Process(request.ExecId);
        if (request.Stdin && process.Io is { } io)
        {
            await io.CloseStdinAsync(cancel);
        }
    }

    public async Task ResizePtyAsync(ResizePtyRequest request, CancellationToken cancel)
    {
        ShimContainer container = Get(request.Id);
        ShimProcess process = container.Process(request.ExecId);
        if (!process.Stdio.Terminal)
        {
            throw new InvalidProcessStateException(process.Name, "resize the terminal of", process.State.State);
        }
        await _pod.Running.Connection.Agent.TtyWinResizeAsync(new TtyWinResizeRequest
        {
            ContainerId = container.Id,
            ExecId = process.ExecId,
            Row = request.Height,
            Column = request.Width,
        }, cancellationToken: cancel);
    }

    public ConnectResponse Connect(ConnectRequest request) => new()
    {
        ShimPid = (uint)Environment.ProcessId,
        TaskPid = _containers.TryGetValue(request.Id, out ShimContainer? container) ? (uint)container.Init.Pid : 0,
        Version = Version,
    };

    /// <summary>containerd asks after each Delete; the daemon exits only when the pod has no containers left.</summary>
    public void Shutdown(ShutdownRequest request)
    {
        if (!_containers.IsEmpty)
        {
            _log.Debug("Shutdown for {Id}: {Count} containers left, staying", request.Id, _containers.Count);
            return;
        }
        _log.Information("Shutdown: no containers left, exiting");
        RequestShutdown();
    }

    public static void Checkpoint(CheckpointTaskRequest request) =>
        throw new NotSupportedException($"checkpoint of container {request.Id}: kata-style cannot checkpoint containers (no CRIU support)");
}
