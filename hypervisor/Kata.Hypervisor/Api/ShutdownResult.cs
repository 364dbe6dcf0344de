using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Api;

/// <summary>Result of <c>shutdown</c>, sent once the VM has ended: how it ended and the VMM's exit code for that.</summary>
public sealed record ShutdownResult(VmExitKind Kind, string Reason, int ExitCode, string? RegisterDump = null)
{
    public static ShutdownResult From(VmExitStatus status) => new(status.Kind, status.Reason, status.ExitCode, status.RegisterDump);
}
