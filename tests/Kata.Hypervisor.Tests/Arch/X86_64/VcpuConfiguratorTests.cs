using Iced.Intel;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using static Iced.Intel.AssemblerRegisters;
using static Kata.Hypervisor.Tests.Arch.X86_64.TestVm;

namespace Kata.Hypervisor.Tests.Arch.X86_64;

/// <summary>Tiny guests entered through each boot protocol on the real /dev/kvm (PVM here: CPL0 code is emulated).</summary>
public class VcpuConfiguratorTests
{
    private static readonly GuestAddress Entry = Layout.HighMemoryStart;

    private static void Log(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public void Linux64_GuestRunsInLongModeWithBootProtocolRegisters()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        var a = new Assembler(64);
        a.mov(dx, SerialPort);
        a.mov(al, (byte)'L');
        a.@out(dx, al);
        a.mov(dx, ReportPort);
        // RSI must point at boot_params; report it.
        a.mov(rax, rsi);
        a.@out(dx, eax);
        // A 64-bit computation through the stack: only right in 64-bit mode with the identity map and RSP set.
        a.mov(rcx, 0x1_2345_6789UL);
        a.add(rax, rcx);
        a.push(rax);
        a.pop(rbx);
        a.mov(rax, rbx);
        a.shr(rax, 32);
        a.@out(dx, eax);
        a.mov(eax, ebx);
        a.@out(dx, eax);
        // CPUID as this vCPU sees it: leaf 1 EBX/ECX and the hypervisor signature.
        a.mov(eax, 1);
        a.cpuid();
        a.mov(eax, ebx);
        a.@out(dx, eax);
        a.mov(eax, ecx);
        a.@out(dx, eax);
        a.mov(eax, 0x4000_0000);
        a.cpuid();
        a.mov(eax, ebx);
        a.@out(dx, eax);
        a.mov(dx, DonePort);
        a.@out(dx, al);
        vm.Load(Entry, a);

        using var vcpu = vm.Vm.CreateVcpu(0);
        VcpuConfiguration result = VcpuConfigurator.Configure(vcpu, vm.Kvm, vm.Memory, 1, BootProtocol.Linux64, Entry, vm.Kvm.GetSupportedCpuid());
        Log($"vCPU 0: {result.CpuidEntryCount} CPUID entries, refused MSRs: [{string.Join(", ", result.RefusedMsrs.Select(m => $"0x{m:x}"))}]");
        Assert.True(result.IsBootProcessor);

        KvmRegs regs = vcpu.GetRegs();
        Assert.Equal((Entry.Value, Layout.ZeroPageStart.Value, Layout.BootStackPointer.Value, Layout.BootStackPointer.Value, 2UL),
            (regs.Rip, regs.Rsi, regs.Rsp, regs.Rbp, regs.Rflags));

        List<PortWrite> writes = RunUntilDone(vcpu);

        Assert.Equal(new PortWrite(SerialPort, 1, 'L'), writes[0]);
        ulong sum = Layout.ZeroPageStart.Value + 0x1_2345_6789UL;
        Assert.Equal(
            new[] { Layout.ZeroPageStart.Value, sum >> 32, sum & 0xffff_ffff },
            writes.Skip(1).Take(3).Select(w => w.Value).ToArray());
        uint leaf1Ebx = (uint)writes[4].Value, leaf1Ecx = (uint)writes[5].Value;
        Assert.Equal(0u, leaf1Ebx >> 24);                      // APIC id
        Assert.Equal(8u, (leaf1Ebx >> 8) & 0xff);              // CLFLUSH line size / 8
        Assert.True((leaf1Ecx & (1u << 31)) != 0, "the hypervisor bit is set");
        Assert.Equal(CpuidFilter.KvmSignatureEbx, (uint)writes[6].Value);

        KvmSregs sregs = vcpu.GetSregs();
        Log(RegisterDump.Format(vcpu));
        Assert.True((sregs.Efer & ControlRegisters.EferLma) != 0, "EFER.LMA");
        Assert.True((sregs.Cr0 & (ControlRegisters.Cr0Pe | ControlRegisters.Cr0Pg)) == (ControlRegisters.Cr0Pe | ControlRegisters.Cr0Pg));
        Assert.Equal(Layout.Pml4Start.Value, sregs.Cr3);
        Assert.Equal((ushort)0x10, sregs.Cs.Selector);
        Assert.Equal((byte)1, sregs.Cs.L);
        Assert.Equal((ushort)0x18, sregs.Ss.Selector);
        Assert.Equal("64-bit (IA-32e)", RegisterDump.Mode(sregs));
    }

    [Fact]
    public void Pvh_GuestRunsIn32BitProtectedModeWithStartInfoInEbx()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        var a = new Assembler(32);
        a.mov(dx, ReportPort);
        a.mov(eax, ebx);
        a.@out(dx, eax);
        // Flat 4 GiB data segment: write and read back through a high 32-bit address inside RAM.
        a.mov(edi, 0x0300_0000);
        a.mov(__dword_ptr[edi], 0x5a5a_1234);
        a.mov(eax, __dword_ptr[edi]);
        a.@out(dx, eax);
        a.mov(dx, DonePort);
        a.@out(dx, al);
        vm.Load(Entry, a);

        using var vcpu = vm.Vm.CreateVcpu(0);
        VcpuConfiguration result = VcpuConfigurator.Configure(vcpu, vm.Kvm, vm.Memory, 1, BootProtocol.Pvh, Entry, vm.Kvm.GetSupportedCpuid());
        Log($"refused MSRs: [{string.Join(", ", result.RefusedMsrs.Select(m => $"0x{m:x}"))}]");

        List<PortWrite> writes = RunUntilDone(vcpu);

        // A 4-byte OUT without an operand-size prefix: the code segment is 32-bit.
        Assert.Equal(new PortWrite(ReportPort, 4, Layout.PvhInfoStart.Value), writes[0]);
        Assert.Equal(new PortWrite(ReportPort, 4, 0x5a5a_1234), writes[1]);
        Assert.Equal(0x5a5a_1234u, vm.Memory.Read<uint>(new GuestAddress(0x0300_0000)));

        KvmSregs sregs = vcpu.GetSregs();
        Log(RegisterDump.Format(vcpu));
        Assert.Equal(ControlRegisters.Cr0Pe, sregs.Cr0 & (ControlRegisters.Cr0Pe | ControlRegisters.Cr0Pg));
        Assert.Equal(0UL, sregs.Efer & (ControlRegisters.EferLme | ControlRegisters.EferLma));
        Assert.Equal((byte)1, sregs.Cs.Db);
        Assert.Equal(0xffff_ffffu, sregs.Cs.Limit);
        Assert.Equal("32-bit protected, paging off", RegisterDump.Mode(sregs));
    }

    [Fact]
    public void RealMode_GuestRunsAtCsBase()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        var csBase = new GuestAddress(0x2000);
        const ushort ip = 0x100;
        var a = new Assembler(16);
        a.mov(dx, ReportPort);
        a.mov(ax, cs);
        a.@out(dx, ax);
        a.call(csBase.Value + 0x200);       // a near call and return through the real-mode stack
        a.mov(dx, DonePort);
        a.@out(dx, al);
        vm.Load(csBase.Add(ip), a);
        var callee = new Assembler(16);
        callee.mov(ax, 0x1234);
        callee.@out(dx, ax);
        callee.ret();
        vm.Load(csBase.Add(0x200), callee);

        using var vcpu = vm.Vm.CreateVcpu(0);
        RegisterSetup.ConfigureRealMode(vcpu, csBase, ip);
        KvmRegs regs = vcpu.GetRegs();
        regs.Rsp = 0x1000;
        vcpu.SetRegs(regs);

        List<PortWrite> writes = RunUntilDone(vcpu);

        Assert.Equal(new[] { new PortWrite(ReportPort, 2, 0x200), new PortWrite(ReportPort, 2, 0x1234) }, writes);
        Assert.Equal("real", RegisterDump.Mode(vcpu.GetSregs()));
        Assert.Throws<ArgumentOutOfRangeException>(() => RegisterSetup.ConfigureRealMode(vcpu, new GuestAddress(0x2008), 0));
    }

    [Fact]
    public void ApplicationProcessors_GetTheirOwnCpuidAndWaitForInitSipi()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        KvmCpuidEntry2[] supported = vm.Kvm.GetSupportedCpuid();
        using var bsp = vm.Vm.CreateVcpu(0);
        using var ap = vm.Vm.CreateVcpu(1);
        KvmRegs apRegsBefore = ap.GetRegs();

        VcpuConfiguration bspResult = VcpuConfigurator.Configure(bsp, vm.Kvm, vm.Memory, 2, BootProtocol.Linux64, Entry, supported);
        VcpuConfiguration apResult = VcpuConfigurator.Configure(ap, vm.Kvm, vm.Memory, 2, BootProtocol.Linux64, Entry, supported);

        Assert.True(bspResult.IsBootProcessor);
        Assert.False(apResult.IsBootProcessor);
        Assert.Equal(KvmMpState.Runnable, bsp.GetMpState());
        Assert.Equal(KvmMpState.Uninitialized, ap.GetMpState());
        // The AP keeps its reset registers: the guest sets them through the start-up IPI.
        Assert.Equal(apRegsBefore.Rip, ap.GetRegs().Rip);

        foreach (Vcpu vcpu in new[] { bsp, ap })
        {
            KvmCpuidEntry2[] cpuid = vcpu.GetCpuid();
            KvmCpuidEntry2 leaf1 = cpuid.Single(e => e.Function == 1);
            Assert.Equal(vcpu.Id, leaf1.Ebx >> 24);
            Assert.True((leaf1.Edx & (1u << 28)) != 0, "HTT with two vCPUs");
            if (cpuid.Any(e => e.Function == 0xb))
            {
                Assert.Equal(vcpu.Id, cpuid.Single(e => e.Function == 0xb && e.Index == 1).Edx);
                Assert.Equal(2u, cpuid.Single(e => e.Function == 0xb && e.Index == 1).Ebx);
            }
        }
    }

    [Fact]
    public void HostCpuid_FilteredTableIsAcceptedByKvm()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        KvmCpuidEntry2[] supported = vm.Kvm.GetSupportedCpuid();
        Log($"KVM_GET_SUPPORTED_CPUID: {supported.Length} entries");
        foreach (KvmCpuidEntry2 e in supported)
        {
            Log($"  0x{e.Function:x8}.{e.Index} flags={e.Flags} eax={e.Eax:x8} ebx={e.Ebx:x8} ecx={e.Ecx:x8} edx={e.Edx:x8}");
        }
        KvmCpuidEntry2[] filtered = CpuidFilter.Filter(supported, 0, 4);
        using var vcpu = vm.Vm.CreateVcpu(0);
        vcpu.SetCpuid(filtered);
        KvmCpuidEntry2[] stored = vcpu.GetCpuid();
        Assert.Equal(filtered.Length, stored.Length);
        Assert.Contains(stored, e => e.Function == CpuidFilter.HypervisorSignatureLeaf && e.Ebx == CpuidFilter.KvmSignatureEbx);
    }

    [Fact]
    public void Configure_RejectsBadVcpuCounts()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        using var vcpu = vm.Vm.CreateVcpu(1);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            VcpuConfigurator.Configure(vcpu, vm.Kvm, vm.Memory, 1, BootProtocol.Linux64, Entry, vm.Kvm.GetSupportedCpuid()));
    }
}
