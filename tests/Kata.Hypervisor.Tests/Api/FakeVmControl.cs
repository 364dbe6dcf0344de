using System.Collections.Concurrent;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Tests.Api;

/// <summary>An <see cref="IVmControl"/> that records calls and lets a test decide when a shutdown completes.</summary>
internal sealed class FakeVmControl : IVmControl
{
    private readonly object _lock = new();
    private VmState _state = VmState.Running;

    public ConcurrentQueue<string> Calls { get; } = new();
    public ConcurrentQueue<TimeSpan> ShutdownGraces { get; } = new();

    /// <summary>Completed by the test (or at once when <see cref="CompleteShutdownImmediately"/>) to end the "VM".</summary>
    public TaskCompletionSource<VmExitStatus> Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool CompleteShutdownImmediately { get; set; } = true;

    public VmMetrics Metrics { get; set; } = new()
    {
        State = VmState.Running,
        UptimeMs = 1234.5,
        ExitsByKind = new Dictionary<string, long> { ["IO"] = 42, ["HLT"] = 7 },
        VcpuCpuTimeMs = [10.5, 20.25],
        RssKiB = 65536,
        SerialBytesOut = 99,
        BootTimeMs = 321.0,
    };

    public VmState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
        set
        {
            lock (_lock)
            {
                _state = value;
            }
        }
    }

    public void Pause()
    {
        Calls.Enqueue("pause");
        lock (_lock)
        {
            if (_state == VmState.Stopped)
            {
                throw new InvalidOperationException("the VM has ended");
            }
            _state = VmState.Paused;
        }
    }

    public void Resume()
    {
        Calls.Enqueue("resume");
        lock (_lock)
        {
            if (_state == VmState.Stopped)
            {
                throw new InvalidOperationException("the VM has ended");
            }
            _state = VmState.Running;
        }
    }

    public Task<VmExitStatus> ShutdownAsync(TimeSpan grace)
    {
        Calls.Enqueue("shutdown");
        ShutdownGraces.Enqueue(grace);
        if (CompleteShutdownImmediately)
        {
            End(new VmExitStatus(VmExitKind.HostShutdown, "shut down by the host"));
        }
        return Exited.Task;
    }

    /// <summary>Ends the "VM" as MicroVm does: state first, then the Exited task.</summary>
    public void End(VmExitStatus status)
    {
        State = VmState.Stopped;
        Exited.TrySetResult(status);
    }

    public VmMetrics GetMetrics()
    {
        Calls.Enqueue("metrics");
        return Metrics with { State = State };
    }
}
