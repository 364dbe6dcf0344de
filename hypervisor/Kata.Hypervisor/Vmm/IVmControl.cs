namespace Kata.Hypervisor.Vmm;

/// <summary>What the control API (and the CLI's signal handling) may do to a running VM.</summary>
public interface IVmControl
{
    VmState State { get; }

    /// <summary>Stops every vCPU outside KVM_RUN; idempotent. Throws <see cref="InvalidOperationException"/> when the VM has ended.</summary>
    void Pause();

    /// <summary>Lets paused vCPUs run again; idempotent.</summary>
    void Resume();

    /// <summary>
    /// Graceful first: asks the guest to reboot through the i8042 (Ctrl+Alt+Del, as Firecracker's SendCtrlAltDel),
    /// then, if it has not ended within <paramref name="grace"/>, stops the vCPUs. Completes when the VM has ended.
    /// </summary>
    Task<VmExitStatus> ShutdownAsync(TimeSpan grace);

    VmMetrics GetMetrics();
}
