using System.Collections.Concurrent;

namespace Kata.Container.Lifecycle;

/// <summary>
/// The pids of the engine's own children that it has not reaped yet. A process that reaps orphans (the agent as
/// PID 1 or child subreaper) must leave these alone: reaping one would take its exit status from the engine.
/// </summary>
public static class EngineChildren
{
    private static readonly ConcurrentDictionary<int, byte> Pids = new();

    /// <summary>True while <paramref name="pid"/> is a child the engine spawned and will reap itself.</summary>
    public static bool Owns(int pid) => Pids.ContainsKey(pid);

    internal static void Add(int pid) => Pids[pid] = 0;

    internal static void Remove(int pid) => Pids.TryRemove(pid, out _);
}
