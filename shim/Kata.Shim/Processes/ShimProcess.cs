using Google.Protobuf;
using Kata.Shim.Stdio;

namespace Kata.Shim.Processes;

/// <summary>One process the shim reports to containerd: a container's init (empty exec id) or an exec.</summary>
public sealed class ShimProcess
{
    private readonly TaskCompletionSource<ExitStatus> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ShimProcess(string containerId, string execId, StdioPaths stdio, ByteString? execSpecJson = null)
    {
        ContainerId = containerId;
        ExecId = execId;
        Stdio = stdio;
        ExecSpecJson = execSpecJson;
        Name = execId.Length == 0 ? $"container {containerId}" : $"exec {execId} of container {containerId}";
        State = new ProcessStateMachine(Name);
    }

    public string ContainerId { get; }
    /// <summary>Empty for the container's init.</summary>
    public string ExecId { get; }
    public bool IsInit => ExecId.Length == 0;
    public string Name { get; }
    public StdioPaths Stdio { get; }
    /// <summary>An exec's OCI process (JSON), kept from Exec until Start.</summary>
    public ByteString? ExecSpecJson { get; }
    public ProcessStateMachine State { get; }
    /// <summary>The pid the agent reported (0 until created/started).</summary>
    public int Pid { get; set; }
    public ProcessStdio? Io { get; set; }

    public Task<ExitStatus> Exited => _exited.Task;

    public ExitStatus? ExitStatus => _exited.Task.IsCompletedSuccessfully ? _exited.Task.Result : null;

    /// <summary>Records the exit; false when it was already recorded (an exit is reported once).</summary>
    public bool TrySetExited(ExitStatus status)
    {
        bool first = _exited.TrySetResult(status);
        State.Exit();
        Io?.Stop();
        return first;
    }
}
