namespace Kata.Sandbox;

/// <summary>Where a pod's containers run (ARCHITECTURE.md, "Sandbox kinds").</summary>
public enum SandboxKind
{
    /// <summary>A KVM microVM per pod: kata-style-vmm boots the guest image, the agent is its init.</summary>
    Vm,
    /// <summary>The agent as a host process; containers get namespaces and cgroups, no VM (weaker isolation).</summary>
    Process,
}
