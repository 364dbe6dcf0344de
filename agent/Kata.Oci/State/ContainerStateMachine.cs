namespace Kata.Oci.State;

/// <summary>
/// The status of one container, changed only along the lifecycle of <see cref="ContainerLifecycle"/>. Thread-safe: the
/// engine's reaper (which observes the exit) and the API (which starts, pauses, deletes) race.
/// </summary>
public sealed class ContainerStateMachine
{
    private readonly Lock _lock = new();
    private ContainerStatus _status;

    public ContainerStateMachine(string containerId, ContainerStatus initial = ContainerStatus.Creating)
    {
        ContainerId = containerId;
        _status = initial;
    }

    public string ContainerId { get; }

    public ContainerStatus Status
    {
        get
        {
            lock (_lock)
            {
                return _status;
            }
        }
    }

    /// <summary>Checks <paramref name="operation"/> against the current status and applies its status change atomically.
    /// Returns the status it was in before.</summary>
    public ContainerStatus Apply(ContainerOperation operation, bool force = false)
    {
        lock (_lock)
        {
            ContainerLifecycle.Ensure(ContainerId, _status, operation, force);
            var before = _status;
            _status = ContainerLifecycle.StatusAfter(_status, operation);
            return before;
        }
    }

    /// <summary>create finished: creating → created.</summary>
    public void MarkCreated() => MoveTo(ContainerStatus.Created);

    /// <summary>The container process exited (or never started and was killed): → stopped. Idempotent.</summary>
    public void MarkStopped()
    {
        lock (_lock)
        {
            if (_status == ContainerStatus.Stopped)
            {
                return;
            }

            MoveToLocked(ContainerStatus.Stopped);
        }
    }

    private void MoveTo(ContainerStatus next)
    {
        lock (_lock)
        {
            MoveToLocked(next);
        }
    }

    private void MoveToLocked(ContainerStatus next)
    {
        if (!ContainerLifecycle.CanTransition(_status, next))
        {
            var from = ContainerStatusConverter.Instance.ToSpecName(_status);
            var to = ContainerStatusConverter.Instance.ToSpecName(next);
            throw new InvalidOperationException($"container {ContainerId}: cannot go from {from} to {to}");
        }

        _status = next;
    }
}
