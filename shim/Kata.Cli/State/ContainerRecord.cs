using Kata.Sandbox;

namespace Kata.Cli.State;

/// <summary>What the CLI knows about a container (record.json). Only commands holding the container's lock write it.</summary>
public sealed record ContainerRecord
{
    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public required SandboxKind Sandbox { get; init; }
    public required DateTimeOffset Created { get; init; }
    /// <summary>The `create` (or `run`) process that made this record: while it lives and no monitor exists yet, the container is "creating".</summary>
    public int CreatorPid { get; init; }
    public ulong CreatorStartTime { get; init; }
    public string? ConsoleSocket { get; init; }
    public bool Terminal { get; init; }
    public bool Started { get; init; }
    public bool Paused { get; init; }
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
    public string Owner { get; init; } = "root";
}
