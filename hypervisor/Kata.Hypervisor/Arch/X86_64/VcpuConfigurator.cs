using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// Prepares one vCPU to boot, in Firecracker's order (arch/x86_64/vcpu.rs configure): CPUID, MSRs, registers
/// (boot processor only), FPU, LAPIC. With the in-kernel irqchip KVM keeps every vCPU but the boot processor
/// (id 0, kvm->arch.bsp_vcpu_id) in KVM_MP_STATE_UNINITIALIZED until its LAPIC receives INIT and a start-up IPI
/// (SDM Vol. 3A §9.4 "Multiple-Processor Initialization"), and the guest kernel sets its registers then.
/// Requires KVM_CREATE_IRQCHIP before the vCPU was created.
/// </summary>
public static class VcpuConfigurator
{
    public const uint BootProcessorId = 0;

    public static VcpuConfiguration Configure(Vcpu vcpu, KvmSystem kvm, GuestMemory memory, int vcpuCount,
        BootProtocol protocol, GuestAddress entry, KvmCpuidEntry2[] supportedCpuid)
    {
        KvmCpuidEntry2[] cpuid = CpuidFilter.Filter(supportedCpuid, vcpu.Id, vcpuCount);
        // CPUID first: KVM checks some MSR writes against the guest's CPUID (arch/x86/kvm/x86.c kvm_set_msr_common).
        vcpu.SetCpuid(cpuid);
        uint[] refused = MsrSetup.Configure(vcpu, kvm);

        bool bootProcessor = vcpu.Id == BootProcessorId;
        if (bootProcessor)
        {
            // Writes the GDT (and page tables) into guest memory: done once, by the boot processor.
            RegisterSetup.Configure(vcpu, memory, protocol, entry);
        }
        FpuSetup.Configure(vcpu);
        LapicSetup.Configure(vcpu);
        return new VcpuConfiguration(vcpu.Id, bootProcessor, cpuid.Length, refused);
    }
}
