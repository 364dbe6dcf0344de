using Iced.Intel;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Kvm;

public class SmokeTests
{
    [Fact]
    public void RealModeGuest_OutThenHlt()
    {
        KvmRequirement.EnsureAvailable();
        using var kvm = KvmSystem.Open();
        using var vm = kvm.CreateVm();
        using var mem = new GuestMemory([(GuestAddress.Zero, 0x10_0000UL)]);
        vm.MapMemory(mem);
        var a = new Assembler(16);
        a.mov(dx, 0x3f8);
        a.mov(al, (byte)'A');
        a.@out(dx, al);
        a.hlt();
        var w = new CodeWriterImpl();
        a.Assemble(w, 0x1000);
        mem.Write(new GuestAddress(0x1000), w.Bytes.ToArray());
        using var vcpu = vm.CreateVcpu(0);
        var s = vcpu.GetSregs();
        s.Cs.Base = 0; s.Cs.Selector = 0;
        vcpu.SetSregs(s);
        vcpu.SetRegs(new KvmRegs { Rip = 0x1000, Rflags = 2 });
        var exit = vcpu.Run();
        Assert.Equal(VcpuExitReason.Io, exit.Reason);
        Assert.Equal(0x3f8, exit.Port);
        Assert.Equal((byte)'A', exit.Data[0]);
        var exit2 = vcpu.Run();
        Assert.Equal(VcpuExitReason.Hlt, exit2.Reason);
    }

    private sealed class CodeWriterImpl : CodeWriter
    {
        public List<byte> Bytes { get; } = [];
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
