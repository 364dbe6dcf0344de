using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Kata.Container.Hooks;
using Kata.Oci.State;
using Serilog;

namespace Kata.Container.Lifecycle;

/// <summary>
/// The container engine (runc's role) for the agent: create, start, kill, wait, exec and delete containers from OCI
/// bundles. One file per operation (ContainerEngine.*.cs). Thread-safe per container through its state machine.
/// </summary>
public sealed partial class ContainerEngine : IDisposable
{
    private readonly ConcurrentDictionary<string, ContainerInstance> _containers = new(StringComparer.Ordinal);
    private readonly ContainerEngineOptions _options;
    private readonly ILogger _logger;

    public ContainerEngine(ContainerEngineOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger.ForContext<ContainerEngine>();
    }

    public ContainerInstance Get(string id) =>
        _containers.TryGetValue(id, out var container) ? container : throw new ContainerNotFoundException(id);

    public IReadOnlyCollection<ContainerInstance> List() => _containers.Values.ToList();

    /// <summary>Force-deletes every container (kills, reaps, removes state).</summary>
    public void Dispose()
    {
        foreach (var id in _containers.Keys.ToList())
        {
            try
            {
                Delete(id, force: true);
            }
            catch (ContainerException exception)
            {
                _logger.Warning(exception, "Could not delete container {ContainerId} on shutdown", id);
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,1023}$")]
    private static partial Regex ValidId();

    private static void ValidateId(string id)
    {
        if (!ValidId().IsMatch(id))
        {
            throw new ArgumentException($"container id '{id}' is not valid: use letters, digits, '_', '.', '-', starting with a letter or digit", nameof(id));
        }
    }

    private int TimeoutMilliseconds => (int)Math.Min(int.MaxValue, _options.StageTimeout.TotalMilliseconds);

    /// <summary>The stage timeout plus the time hooks running in the stage meanwhile may take.</summary>
    private int TimeoutWith(TimeSpan hooks) => (int)Math.Min(int.MaxValue, (_options.StageTimeout + hooks).TotalMilliseconds);

    /// <summary>The state document a hook gets on stdin (runtime.md "State"), with the status of its lifecycle step
    /// (runc's choice: creating for the create hooks, running for poststart, stopped for poststop).</summary>
    private static ContainerState HookState(ContainerInstance container, ContainerStatus status) => new()
    {
        Id = container.Id,
        Status = status,
        Pid = status == ContainerStatus.Stopped ? 0 : container.Pid,
        Bundle = container.Bundle,
        Annotations = container.Spec.Annotations,
    };

    /// <summary>runtime.md "Lifecycle" step 13: after the container is deleted, before delete returns; a failure is
    /// logged and the remaining hooks still run.</summary>
    private void RunPoststopHooks(ContainerInstance container) =>
        HookRunner.RunAllWarnOnFailure(container.Spec.Hooks, HookPhase.Poststop, HookState(container, ContainerStatus.Stopped), _logger);
}
