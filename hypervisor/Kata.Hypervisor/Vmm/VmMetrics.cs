namespace Kata.Hypervisor.Vmm;

/// <summary>A snapshot of the VM's counters for the control API's <c>metrics</c> command.</summary>
public sealed record VmMetrics
{
    public required VmState State { get; init; }
    /// <summary>Milliseconds since the VMM process started.</summary>
    public required double UptimeMs { get; init; }
    /// <summary>VM exits by kind (KVM_EXIT_* name → count), summed over all vCPUs.</summary>
    public required IReadOnlyDictionary<string, long> ExitsByKind { get; init; }
    /// <summary>CPU time of each vCPU thread (user + system), in milliseconds.</summary>
    public required IReadOnlyList<double> VcpuCpuTimeMs { get; init; }
    /// <summary>Resident set size of the VMM process (VmRSS), in KiB, guest memory the guest touched included.</summary>
    public required long RssKiB { get; init; }
    /// <summary>Bytes the guest wrote to its serial port.</summary>
    public required long SerialBytesOut { get; init; }
    /// <summary>Milliseconds from VMM start to the guest's boot-timer write, if it has written.</summary>
    public double? BootTimeMs { get; init; }
    /// <summary>The virtio devices in slot order, with their counters.</summary>
    public IReadOnlyList<VirtioDeviceMetrics> VirtioDevices { get; init; } = [];
}
