using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Vmm;

/// <summary>
/// How a guest gets into memory and how its vCPUs start. <see cref="LinuxBoot"/> is the product; the tests plug in
/// tiny assembled programs through the same seam.
/// </summary>
internal interface IGuestBoot
{
    /// <summary>What is being booted, for the start-up log line.</summary>
    string Description { get; }

    /// <summary>Writes the guest image and its boot data into <paramref name="memory"/>.</summary>
    void Load(GuestMemory memory, string cmdline, int vcpuCount);

    /// <summary>Sets up one vCPU (CPUID, MSRs, registers…) before it first runs.</summary>
    void ConfigureVcpu(Vcpu vcpu, KvmSystem kvm, GuestMemory memory, int vcpuCount);
}
