namespace Kata.Container.Lifecycle;

/// <summary>No container with that id is known to the engine.</summary>
public sealed class ContainerNotFoundException : ContainerException
{
    public ContainerNotFoundException(string containerId) : base($"container {containerId} does not exist")
    {
        ContainerId = containerId;
    }

    public string ContainerId { get; }
}
