using Kata.Oci.State;

namespace Kata.Container.Lifecycle;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// runtime.md "delete": only a stopped container, unless <paramref name="force"/> (then it is killed first). Kills
    /// and reaps every process, removes the state directory and forgets the container. The container's mounts live only
    /// in its own mount namespace, which goes away with its last process, so nothing stays mounted on the host.
    /// </summary>
    public void Delete(string id, bool force = false)
    {
        var container = Get(id);
        container.StateMachine.Apply(ContainerOperation.Delete, force);
        Release(container);
        _containers.TryRemove(id, out _);
        RunPoststopHooks(container);
        _logger.Information("Container {ContainerId} deleted", id);
    }
}
