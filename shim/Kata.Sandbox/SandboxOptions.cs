namespace Kata.Sandbox;

/// <summary>Everything a sandbox needs to start; built from configuration.toml (shim) or flags (CLI).</summary>
public sealed record SandboxOptions
{
    public required string Id { get; init; }
    /// <summary>A directory of this sandbox's own (sockets, console log); created on start, removed on stop.</summary>
    public required string StateDirectory { get; init; }
    public SandboxKind Kind { get; init; } = SandboxKind.Vm;
    public CommandPrefix? Agent { get; init; }
    public CommandPrefix? Vmm { get; init; }
    public string? KernelPath { get; init; }
    public string? InitrdPath { get; init; }
    public int Vcpus { get; init; } = 1;
    public int MemoryMib { get; init; } = 256;
    /// <summary>Extra kernel command-line words, after ours.</summary>
    public string KernelParams { get; init; } = "";
    /// <summary>How long the agent has to answer its health check after the sandbox started.</summary>
    public TimeSpan AgentTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public bool Debug { get; init; }
    /// <summary>`vm` only: disks attached when the VM starts (the first container's rootfs image), in this order.</summary>
    public IReadOnlyList<SandboxDisk> Disks { get; init; } = [];
}
