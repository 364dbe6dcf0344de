namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>What <see cref="VcpuConfigurator.Configure"/> did to one vCPU, for the caller to log.</summary>
/// <param name="VcpuId">The vCPU (and its APIC id).</param>
/// <param name="IsBootProcessor">True for vCPU 0, whose registers were set to the kernel entry; the others wait for INIT-SIPI.</param>
/// <param name="CpuidEntryCount">How many CPUID entries KVM_SET_CPUID2 was given.</param>
/// <param name="RefusedMsrs">Boot MSRs this host's KVM does not offer or refused; they keep KVM's reset values.</param>
public sealed record VcpuConfiguration(uint VcpuId, bool IsBootProcessor, int CpuidEntryCount, IReadOnlyList<uint> RefusedMsrs);
