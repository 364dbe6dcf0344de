namespace Kata.Oci.State;

/// <summary>
/// An operation the container's status does not allow (runtime.md: such an operation MUST have no effect on the
/// container and MUST generate an error). The message says what to do instead:
/// <c>container abc is running: stop it first or use --force</c>.
/// </summary>
public sealed class InvalidContainerStateException : InvalidOperationException
{
    public InvalidContainerStateException(string containerId, ContainerStatus status, ContainerOperation operation, string message)
        : base(message)
    {
        ContainerId = containerId;
        Status = status;
        Operation = operation;
    }

    public string ContainerId { get; }

    public ContainerStatus Status { get; }

    public ContainerOperation Operation { get; }
}
