namespace Kata.Oci.State;

/// <summary>
/// The lifecycle rules of runtime-spec runtime.md ("Lifecycle", "Operations"): which operation each status allows, what
/// it leads to, and the error for one it refuses.
/// <list type="bullet">
/// <item>create: creating → created.</item>
/// <item>start: only when created → running.</item>
/// <item>kill: when created or running (and paused, as runc allows: the signal is delivered on resume, SIGKILL at once).</item>
/// <item>the process exits: created, running or paused → stopped.</item>
/// <item>delete: only when stopped, unless forced (then the engine kills first).</item>
/// <item>pause: running → paused; resume: paused → running (runc's extension).</item>
/// <item>exec: only when running; update: created, running or paused.</item>
/// </list>
/// </summary>
public static class ContainerLifecycle
{
    public static bool CanStart(ContainerStatus status) => status == ContainerStatus.Created;

    public static bool CanKill(ContainerStatus status) =>
        status is ContainerStatus.Created or ContainerStatus.Running or ContainerStatus.Paused;

    public static bool CanDelete(ContainerStatus status, bool force = false) => force || status == ContainerStatus.Stopped;

    public static bool CanPause(ContainerStatus status) => status == ContainerStatus.Running;

    public static bool CanResume(ContainerStatus status) => status == ContainerStatus.Paused;

    public static bool CanExec(ContainerStatus status) => status == ContainerStatus.Running;

    public static bool CanUpdate(ContainerStatus status) =>
        status is ContainerStatus.Created or ContainerStatus.Running or ContainerStatus.Paused;

    public static bool IsAllowed(ContainerStatus status, ContainerOperation operation, bool force = false) => operation switch
    {
        ContainerOperation.Start => CanStart(status),
        ContainerOperation.Kill => CanKill(status),
        ContainerOperation.Delete => CanDelete(status, force),
        ContainerOperation.Pause => CanPause(status),
        ContainerOperation.Resume => CanResume(status),
        ContainerOperation.Exec => CanExec(status),
        ContainerOperation.Update => CanUpdate(status),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "unknown container operation"),
    };

    /// <summary>Throws <see cref="InvalidContainerStateException"/> unless <paramref name="operation"/> is allowed.</summary>
    public static void Ensure(string containerId, ContainerStatus status, ContainerOperation operation, bool force = false)
    {
        if (!IsAllowed(status, operation, force))
        {
            throw new InvalidContainerStateException(containerId, status, operation, RefusalMessage(containerId, status, operation));
        }
    }

    /// <summary>The status an allowed operation leads to; Kill and Exec and Update leave it (the exit is observed later),
    /// Delete leaves it too (the container is then gone).</summary>
    public static ContainerStatus StatusAfter(ContainerStatus status, ContainerOperation operation) => operation switch
    {
        ContainerOperation.Start => ContainerStatus.Running,
        ContainerOperation.Pause => ContainerStatus.Paused,
        ContainerOperation.Resume => ContainerStatus.Running,
        _ => status,
    };

    /// <summary>Whether the lifecycle can move from <paramref name="from"/> to <paramref name="to"/> at all.</summary>
    public static bool CanTransition(ContainerStatus from, ContainerStatus to) => (from, to) switch
    {
        (ContainerStatus.Creating, ContainerStatus.Created) => true,
        (ContainerStatus.Created, ContainerStatus.Running) => true,
        (ContainerStatus.Running, ContainerStatus.Paused) => true,
        (ContainerStatus.Paused, ContainerStatus.Running) => true,
        (ContainerStatus.Created or ContainerStatus.Running or ContainerStatus.Paused, ContainerStatus.Stopped) => true,
        _ => false,
    };

    private static string RefusalMessage(string id, ContainerStatus status, ContainerOperation operation)
    {
        var name = ContainerStatusConverter.Instance.ToSpecName(status);
        var prefix = $"container {id} is {name}";
        if (status == ContainerStatus.Creating)
        {
            return operation == ContainerOperation.Delete
                ? $"{prefix}: it is still being set up; use --force to delete it anyway"
                : $"{prefix}: it is still being set up; wait for create to finish";
        }

        return operation switch
        {
            ContainerOperation.Start => status switch
            {
                ContainerStatus.Running => $"{prefix}: it has already been started",
                ContainerStatus.Paused => $"{prefix}: it has already been started; use resume to continue it",
                _ => $"{prefix}: a container runs only once; delete it and create it again",
            },
            ContainerOperation.Kill => $"{prefix}: there is no process left to signal",
            ContainerOperation.Delete => status == ContainerStatus.Created
                ? $"{prefix}: kill it first or use --force"
                : $"{prefix}: stop it first or use --force",
            ContainerOperation.Pause => status == ContainerStatus.Paused
                ? $"{prefix}: it is already paused"
                : $"{prefix}: only a running container can be paused",
            ContainerOperation.Resume => status == ContainerStatus.Running
                ? $"{prefix}: it is not paused"
                : $"{prefix}: only a paused container can be resumed",
            ContainerOperation.Exec => status == ContainerStatus.Paused
                ? $"{prefix}: resume it before exec"
                : $"{prefix}: exec needs a running container",
            ContainerOperation.Update => $"{prefix}: there is nothing left to update",
            _ => $"{prefix}: {operation} is not allowed",
        };
    }
}
