using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Arch.X86_64;

public class RegisterSetupTests
{
    [Fact]
    public void Linux64_SetsExactlyTheBootProtocolState()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        using var vcpu = vm.Vm.CreateVcpu(0);
        ulong apicBase = vcpu.GetSregs().ApicBase;

        RegisterSetup.Configure(vcpu, vm.Memory, BootProtocol.Linux64, new GuestAddress(0x20_0000));

        KvmSregs s = vcpu.GetSregs();
        Assert.Equal((0x8000_0011UL, 0x20UL, 0x500UL, 0x9000UL), (s.Cr0, s.Cr4, s.Efer, s.Cr3));
        Assert.Equal((Layout.GdtStart.Value, (ushort)31, Layout.IdtStart.Value, (ushort)7), (s.Gdt.Base, s.Gdt.Limit, s.Idt.Base, s.Idt.Limit));
        Assert.Equal(new ushort[] { 0x10, 0x18, 0x18, 0x18, 0x18, 0x18, 0x08 },
            new[] { s.Cs.Selector, s.Ds.Selector, s.Es.Selector, s.Fs.Selector, s.Gs.Selector, s.Ss.Selector, s.Tr.Selector });
        Assert.Equal(apicBase, s.ApicBase);
        KvmRegs r = vcpu.GetRegs();
        Assert.Equal((0x20_0000UL, 0x7000UL, 0x8ff0UL, 0x8ff0UL, 2UL, 0UL), (r.Rip, r.Rsi, r.Rsp, r.Rbp, r.Rflags, r.Rax));
    }

    [Fact]
    public void Pvh_SetsExactlyTheStartOfDayState()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        using var vcpu = vm.Vm.CreateVcpu(0);

        RegisterSetup.Configure(vcpu, vm.Memory, BootProtocol.Pvh, new GuestAddress(0x100_0000));

        KvmSregs s = vcpu.GetSregs();
        Assert.Equal((0x11UL, 0UL, 0UL, 0UL), (s.Cr0, s.Cr4, s.Efer, s.Cr3));
        Assert.Equal(new ushort[] { 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x18 },
            new[] { s.Cs.Selector, s.Ds.Selector, s.Es.Selector, s.Fs.Selector, s.Gs.Selector, s.Ss.Selector, s.Tr.Selector });
        KvmRegs r = vcpu.GetRegs();
        Assert.Equal((0x100_0000UL, Layout.PvhInfoStart.Value, 2UL), (r.Rip, r.Rbx, r.Rflags));
    }

    [Fact]
    public void EntryPointsOutsideWhatTheModeCanReach_AreRejected()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        using var vcpu = vm.Vm.CreateVcpu(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => RegisterSetup.ConfigureLinux64(vcpu, vm.Memory, new GuestAddress(1UL << 30)));
        Assert.Throws<ArgumentOutOfRangeException>(() => RegisterSetup.ConfigurePvh(vcpu, vm.Memory, new GuestAddress(1UL << 32)));
        Assert.Throws<ArgumentOutOfRangeException>(() => RegisterSetup.ConfigureRealMode(vcpu, new GuestAddress(0x10_0000), 0));
    }
}
