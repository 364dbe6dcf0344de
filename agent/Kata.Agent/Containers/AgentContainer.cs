using System.Collections.Concurrent;
using Kata.Container.Lifecycle;

namespace Kata.Agent.Containers;

/// <summary>One container as the agent tracks it: the engine's instance, its init process and its exec'd processes.</summary>
public sealed class AgentContainer
{
    public AgentContainer(ContainerInstance instance, AgentProcess init, string bundle)
    {
        Instance = instance;
        Init = init;
        Bundle = bundle;
    }

    public ContainerInstance Instance { get; }
    public AgentProcess Init { get; }
    /// <summary>The bundle directory the agent wrote config.json into.</summary>
    public string Bundle { get; }
    public ConcurrentDictionary<string, AgentProcess> Execs { get; } = new(StringComparer.Ordinal);

    /// <summary>Mount points of the request's storages, unmounted when the container is removed.</summary>
    public List<string> StorageMounts { get; } = [];

    public AgentProcess Process(string execId) =>
        string.IsNullOrEmpty(execId) ? Init
        : Execs.TryGetValue(execId, out AgentProcess? process) ? process
        : throw new ContainerNotFoundException($"{Instance.Id} exec {execId}");
}
