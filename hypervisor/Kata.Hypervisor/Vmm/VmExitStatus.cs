namespace Kata.Hypervisor.Vmm;

/// <summary>How a VM ended.</summary>
public enum VmExitKind
{
    /// <summary>The guest powered off (ACPI-less: KVM_SYSTEM_EVENT_SHUTDOWN) or rebooted (i8042 reset, reboot=k).</summary>
    GuestShutdown,
    /// <summary>Shut down through the control API or a signal.</summary>
    HostShutdown,
    /// <summary>The guest triple-faulted (KVM_EXIT_SHUTDOWN).</summary>
    TripleFault,
    /// <summary>KVM could not run or emulate the guest (KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_FAIL_ENTRY), or the VMM failed.</summary>
    Error,
}

/// <summary>The result of a VM's run: how it ended, a human-readable reason, and the register dump for failures.</summary>
public sealed record VmExitStatus(VmExitKind Kind, string Reason, string? RegisterDump = null)
{
    /// <summary>Process exit code for kata-style-vmm: 0 for a clean guest or host shutdown, 1 otherwise.</summary>
    public int ExitCode => Kind is VmExitKind.GuestShutdown or VmExitKind.HostShutdown ? 0 : 1;
}
