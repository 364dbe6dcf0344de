namespace Kata.Container.Lifecycle;

public sealed partial class ContainerEngine
{
    /// <summary>Waits for the container's init to exit: its exit code, or 128 + the signal that killed it.</summary>
    public Task<int> WaitAsync(string id, CancellationToken cancellationToken = default)
    {
        var container = Get(id);
        var init = container.Init ?? throw new ContainerException($"container {id}: wait failed: it has no init process");
        return init.Exit.WaitAsync(cancellationToken);
    }
}
