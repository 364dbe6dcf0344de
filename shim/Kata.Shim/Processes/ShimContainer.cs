using System.Collections.Concurrent;
using Kata.Shim.Protos.Types;

namespace Kata.Shim.Processes;

/// <summary>A container of the pod: its init process, its execs, and the rootfs the shim mounted for it.</summary>
public sealed class ShimContainer
{
    public ShimContainer(string id, string bundle, ShimProcess init, IReadOnlyList<Mount> rootfs)
    {
        Id = id;
        Bundle = bundle;
        Init = init;
        Rootfs = rootfs;
    }

    public string Id { get; }
    public string Bundle { get; }
    public ShimProcess Init { get; }
    public IReadOnlyList<Mount> Rootfs { get; }
    /// <summary>Where the shim mounted <see cref="Rootfs"/> on the host (null when it mounted nothing).</summary>
    public string? MountedRootfs { get; set; }
    public ConcurrentDictionary<string, ShimProcess> Execs { get; } = new(StringComparer.Ordinal);

    public ShimProcess Process(string execId)
    {
        if (execId.Length == 0)
        {
            return Init;
        }
        return Execs.TryGetValue(execId, out ShimProcess? exec)
            ? exec
            : throw new ProcessNotFoundException($"container {Id} has no exec {execId}");
    }
}
