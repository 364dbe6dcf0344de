using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Tests.Infrastructure;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Guests;

/// <summary>
/// A fault with no way to deliver it (IDT limit 0: #UD → #GP → #DF → shutdown) is a triple fault, which KVM reports
/// as KVM_EXIT_SHUTDOWN. <c>ud2</c> is used rather than <c>int3</c> because PVM's CPL0 emulator has no int3.
/// </summary>
public class TripleFaultGuestTests
{
    [Fact]
    public void LongMode_Ud2WithEmptyIdt_ExitsWithShutdown()
    {
        using var guest = TinyGuest.Create();
        guest.LoadLongMode(a =>
        {
            a.mov(dx, TinyGuestLayout.DonePort);
            a.@out(dx, al);
            a.ud2();
            a.hlt();
        });
        TinyGuestCpu.LoadEmptyIdt(guest.Vcpu);

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.True(exits[0].IsPortWrite(TinyGuestLayout.DonePort), exits[0].ToString());
        Assert.Equal(VcpuExitReason.Shutdown, exits[^1].Reason);
        Assert.Equal(2, exits.Count);
    }

    [Fact]
    public void ProtectedMode32_GeneralProtectionWithEmptyIdt_ExitsWithShutdown()
    {
        using var guest = TinyGuest.Create();
        guest.LoadProtectedMode32(a =>
        {
            // Loading a selector beyond the GDT limit raises #GP(selector).
            a.mov(ax, 0x78);
            a.mov(ds, ax);
            a.hlt();
        });
        TinyGuestCpu.LoadEmptyIdt(guest.Vcpu);

        IReadOnlyList<TinyGuestExit> exits = guest.RunUntilStop();

        Assert.Equal(VcpuExitReason.Shutdown, Assert.Single(exits).Reason);
    }

    /// <summary>
    /// In real mode the outcome depends on the host. Hardware KVM (unrestricted guest) executes <c>ud2</c> natively and
    /// the CPU escalates the undeliverable #UD to a triple fault (KVM_EXIT_SHUTDOWN). PVM emulates real mode with KVM's
    /// instruction emulator, which fails on <c>ud2</c> (KVM_INTERNAL_ERROR_EMULATION with the instruction bytes) —
    /// and even a fault it could raise would not triple-fault, since its real-mode interrupt delivery does not check
    /// the IVT limit (arch/x86/kvm/emulate.c, __emulate_int_real: "TODO: Add limit checks").
    /// </summary>
    [Fact]
    public void RealMode_Ud2WithEmptyIvt_IsATripleFaultOnHardware_AndAnEmulationFailureOnPvm()
    {
        using var guest = TinyGuest.Create();
        guest.LoadRealMode(a =>
        {
            a.ud2();
            a.hlt();
        });
        TinyGuestCpu.LoadEmptyIdt(guest.Vcpu);

        TinyGuestExit exit = Assert.Single(guest.RunUntilStop());

        if (KvmHost.DetectKind() == KvmKind.Pvm)
        {
            Assert.Equal(VcpuExitReason.InternalError, exit.Reason);
            Assert.Equal(1u, exit.Suberror); // KVM_INTERNAL_ERROR_EMULATION
            // kvm_run.emulation_failure: flags (u64, bit 0 = instruction bytes valid), insn_size (u8), insn_bytes.
            Assert.Equal(1UL, BitConverter.ToUInt64(exit.Data, 0) & 1);
            Assert.Equal([0x0f, 0x0b], exit.Data[9..11]);
            Assert.Equal(0UL, guest.Vcpu.GetRegs().Rip);
        }
        else
        {
            Assert.Equal(VcpuExitReason.Shutdown, exit.Reason);
        }
    }
}
