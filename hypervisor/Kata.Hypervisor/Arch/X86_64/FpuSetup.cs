using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>x87 and SSE control state as FNINIT and a power-up leave it (SDM Vol. 1 §8.1.5, §10.2.3.1).</summary>
public static class FpuSetup
{
    /// <summary>FCW after FNINIT: all exceptions masked, 64-bit precision, round to nearest.</summary>
    public const ushort DefaultFcw = 0x37f;

    /// <summary>
    /// MXCSR after reset: all SIMD exceptions masked, round to nearest. KVM_SET_FPU does not copy the mxcsr field
    /// (arch/x86/kvm/x86.c kvm_arch_vcpu_ioctl_set_fpu, and KVM_GET_FPU reports 0), but the guest FPU state KVM
    /// allocates already holds this value (MXCSR_DEFAULT), so it is passed for completeness only.
    /// </summary>
    public const uint DefaultMxcsr = 0x1f80;

    public static void Configure(Vcpu vcpu) => vcpu.SetFpu(new KvmFpu { Fcw = DefaultFcw, Mxcsr = DefaultMxcsr });
}
