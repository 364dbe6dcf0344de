using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Arch.X86_64;

public class LapicSetupTests
{
    [Fact]
    public void Register_RoundTripsLittleEndian()
    {
        var state = new KvmLapicState();
        LapicSetup.SetRegister(ref state, 0x340, 0x8000_0003);
        Assert.Equal(0x8000_0003u, LapicSetup.GetRegister(state, 0x340));
        unsafe
        {
            Assert.Equal((byte)0x03, state.Regs[0x340]);
            Assert.Equal((byte)0x80, state.Regs[0x343]);
        }
        LapicSetup.SetRegister(ref state, 1020, 7);
        Assert.Equal(7u, LapicSetup.GetRegister(state, 1020));
    }

    [Theory]
    [InlineData(-4)]
    [InlineData(1021)]
    [InlineData(1024)]
    [InlineData(0x352)]
    public void Register_RejectsBadOffsets(int offset)
    {
        var state = new KvmLapicState();
        Assert.Throws<ArgumentOutOfRangeException>(() => LapicSetup.GetRegister(state, offset));
        Assert.Throws<ArgumentOutOfRangeException>(() => LapicSetup.SetRegister(ref state, offset, 0));
    }

    [Fact]
    public void WithDeliveryMode_ReplacesOnlyBits10To8()
    {
        Assert.Equal(0x0001_0700u, LapicSetup.WithDeliveryMode(0x0001_0000, LapicSetup.DeliveryModeExtInt));
        Assert.Equal(0xffff_fcffu, LapicSetup.WithDeliveryMode(0xffff_ffff, LapicSetup.DeliveryModeNmi));
        Assert.Equal(4u, LapicSetup.DeliveryMode(0xffff_fcff));
    }

    /// <summary>
    /// On both the boot processor (whose LINT0 KVM already resets to ExtINT, KVM_X86_QUIRK_LINT0_REENABLED) and an
    /// application processor (whose LVTs reset masked, fixed delivery).
    /// </summary>
    [Fact]
    public void Configure_RoutesLint0ExtIntAndLint1Nmi_OnRealKvm()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        using var bsp = vm.Vm.CreateVcpu(0);
        using var ap = vm.Vm.CreateVcpu(1);
        foreach (var vcpu in new[] { bsp, ap })
        {
            KvmLapicState before = vcpu.GetLapic();

            LapicSetup.Configure(vcpu);

            KvmLapicState after = vcpu.GetLapic();
            uint lint0Before = LapicSetup.GetRegister(before, LapicSetup.LvtLint0), lint1Before = LapicSetup.GetRegister(before, LapicSetup.LvtLint1);
            uint lint0 = LapicSetup.GetRegister(after, LapicSetup.LvtLint0), lint1 = LapicSetup.GetRegister(after, LapicSetup.LvtLint1);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"vCPU {vcpu.Id}: LVT LINT0 0x{lint0Before:x} -> 0x{lint0:x}, LINT1 0x{lint1Before:x} -> 0x{lint1:x}");
            Assert.Equal(LapicSetup.DeliveryModeExtInt, LapicSetup.DeliveryMode(lint0));
            Assert.Equal(LapicSetup.DeliveryModeNmi, LapicSetup.DeliveryMode(lint1));
            // Only the delivery mode changed (the mask bit and the rest stay as KVM reset them).
            Assert.Equal(lint0Before & ~LapicSetup.DeliveryModeMask, lint0 & ~LapicSetup.DeliveryModeMask);
            Assert.Equal(lint1Before & ~LapicSetup.DeliveryModeMask, lint1 & ~LapicSetup.DeliveryModeMask);
        }
    }
}
