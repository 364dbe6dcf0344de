using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Arch.X86_64;

public class RegisterDumpTests
{
    [Fact]
    public void FormatRegisters_ShowsRipRspAndDecodedFlags()
    {
        string text = RegisterDump.FormatRegisters(new KvmRegs { Rip = 0x10_0000, Rsp = 0x8ff0, Rflags = 0x246, R15 = 0xdead });
        Assert.Contains("rip=0000000000100000", text);
        Assert.Contains("rsp=0000000000008ff0", text);
        Assert.Contains("rflags=00000246 [PF ZF IF]", text);
        Assert.Contains("r15=000000000000dead", text);
    }

    [Fact]
    public void FormatSpecialRegisters_DecodesControlRegistersAndSegments()
    {
        var sregs = new KvmSregs
        {
            Cr0 = 0x8000_0011,
            Cr3 = 0x9000,
            Cr4 = 0x20,
            Efer = 0x500,
            Cs = Gdt.Segment(Gdt.Table(BootProtocol.Linux64), 0x10),
            Gdt = Gdt.GdtRegister,
        };
        string text = RegisterDump.FormatSpecialRegisters(sregs);
        Assert.Contains("mode: 64-bit (IA-32e)", text);
        Assert.Contains("cr0=80000011 [PE ET PG]", text);
        Assert.Contains("cr4=00000020 [PAE]", text);
        Assert.Contains("efer=500 [LME LMA]", text);
        Assert.Contains("cs  sel=0010 base=0000000000000000 limit=ffffffff type=b p=1 dpl=0 db=0 s=1 l=1 g=1", text);
        Assert.Contains("gdt base=0000000000000500 limit=001f", text);
    }

    [Fact]
    public void Format_OnRealVcpu_AndNeverThrowsOnceItIsGone()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        var vcpu = vm.Vm.CreateVcpu(0);
        string live = RegisterDump.Format(vcpu);
        TestContext.Current.TestOutputHelper?.WriteLine(live);
        Assert.Contains("vCPU 0 registers:", live);
        Assert.Contains("rip=000000000000fff0", live);   // the RESET vector offset (SDM Vol. 3A §10.1.4)
        Assert.Contains("mode: real", live);

        vcpu.Dispose();
        string gone = RegisterDump.Format(vcpu);
        TestContext.Current.TestOutputHelper?.WriteLine(gone);
        Assert.Contains("general registers unavailable", gone);
        Assert.Contains("special registers unavailable", gone);
    }
}
