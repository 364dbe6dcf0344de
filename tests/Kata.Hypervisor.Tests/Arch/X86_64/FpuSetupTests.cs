using Iced.Intel;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Tests.Infrastructure;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Arch.X86_64;

public class FpuSetupTests
{
    [Fact]
    public void Configure_SetsFninitControlWord_OnRealKvm()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        using var vcpu = vm.Vm.CreateVcpu(0);
        FpuSetup.Configure(vcpu);
        KvmFpu fpu = vcpu.GetFpu();
        TestContext.Current.TestOutputHelper?.WriteLine($"KVM_GET_FPU: fcw=0x{fpu.Fcw:x} mxcsr=0x{fpu.Mxcsr:x}");
        Assert.Equal(FpuSetup.DefaultFcw, fpu.Fcw);
    }

    /// <summary>
    /// FNSTCW in the guest. (MXCSR is not checked the same way: PVM's CPL0 emulator has no STMXCSR, the guest stops
    /// with KVM_EXIT_INTERNAL_ERROR; and KVM_GET_FPU does not report MXCSR.)
    /// </summary>
    [Fact]
    public void GuestSeesFcw()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        var entry = Layout.HighMemoryStart;
        var a = new Assembler(64);
        a.mov(dx, TestVm.ReportPort);
        a.fnstcw(__word_ptr[rsp - 16]);
        a.movzx(eax, __word_ptr[rsp - 16]);
        a.@out(dx, eax);
        a.mov(dx, TestVm.DonePort);
        a.@out(dx, al);
        vm.Load(entry, a);
        using var vcpu = vm.Vm.CreateVcpu(0);
        VcpuConfigurator.Configure(vcpu, vm.Kvm, vm.Memory, 1, BootProtocol.Linux64, entry, vm.Kvm.GetSupportedCpuid());

        List<PortWrite> writes = TestVm.RunUntilDone(vcpu);

        Assert.Equal(new ulong[] { FpuSetup.DefaultFcw }, writes.Select(w => w.Value).ToArray());
    }
}
