using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Guests;

/// <summary>
/// <see cref="VcpuKicker"/> gets a vCPU out of KVM_RUN from another thread while the guest spins or halts: what
/// pause, stop and the control API rely on. The guest then continues where it was.
/// </summary>
public class KickGuestTests
{
    private const ushort StartedPort = 0x80;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void SpinningGuest_IsKickedOut_ThenResumesWhereItWas()
    {
        const ulong flag = TinyGuestLayout.DataAddress;
        using var guest = TinyGuest.Create();
        guest.LoadLongMode(a =>
        {
            var spin = a.CreateLabel();
            a.mov(dx, StartedPort);
            a.@out(dx, al);
            a.mov(rbx, flag);
            a.Label(ref spin);
            a.cmp(__byte_ptr[rbx], 0);
            a.je(spin);
            a.mov(dx, TinyGuestLayout.DonePort);
            a.mov(eax, 0x600d);
            a.@out(dx, eax);
            a.hlt();
        });
        using var started = new ManualResetEventSlim();
        var reasons = new List<VcpuExitReason>();

        TinyGuestRun run = guest.Start(exit =>
        {
            reasons.Add(exit.Reason);
            if (exit.Reason == VcpuExitReason.Io && exit.Port == StartedPort)
            {
                started.Set();
                return true;
            }
            return false;
        });
        Assert.True(started.Wait(StartTimeout, TestContext.Current.CancellationToken), "the guest never reached its spin loop");
        VcpuKicker.Kick(guest.Vcpu, run.Pthread);
        run.Wait(StartTimeout);

        Assert.Equal([VcpuExitReason.Io, VcpuExitReason.Interrupted], reasons);
        ulong rip = guest.Vcpu.GetRegs().Rip;
        Assert.InRange(rip, TinyGuestLayout.CodeAddress, TinyGuestLayout.CodeAddress + 0x40);

        // Resume: the guest is still in its loop; let it out.
        guest.Memory.Write(new GuestAddress(flag), (byte)1);
        guest.Vcpu.ImmediateExit = false;
        IReadOnlyList<TinyGuestExit> rest = guest.RunUntilStop();

        Assert.Equal(2, rest.Count);
        Assert.True(rest[0].IsPortWrite(TinyGuestLayout.DonePort), rest[0].ToString());
        Assert.Equal(0x600dUL, rest[0].Value);
        Assert.Equal(VcpuExitReason.Hlt, rest[1].Reason);
    }

    [Fact]
    public void RepeatedKicks_EachEndOneRun_AndTheGuestKeepsItsState()
    {
        const int kicks = 20;
        using var guest = TinyGuest.Create();
        guest.LoadLongMode(a =>
        {
            var spin = a.CreateLabel();
            a.mov(dx, StartedPort);
            a.@out(dx, al);
            a.xor(ecx, ecx);
            a.Label(ref spin);
            a.inc(rcx);
            a.jmp(spin);
        });
        ulong lastCount = 0;
        for (int i = 0; i < kicks; i++)
        {
            using var entered = new ManualResetEventSlim();
            VcpuExitReason? stopReason = null;
            TinyGuestRun run = guest.Start(exit =>
            {
                if (exit.Reason == VcpuExitReason.Io && exit.Port == StartedPort)
                {
                    entered.Set();
                    return true;
                }
                stopReason = exit.Reason;
                return false;
            });
            if (i == 0)
            {
                Assert.True(entered.Wait(StartTimeout, TestContext.Current.CancellationToken), "the guest never reached its spin loop");
            }
            VcpuKicker.Kick(guest.Vcpu, run.Pthread);
            run.Wait(StartTimeout);
            guest.Vcpu.ImmediateExit = false;

            Assert.Equal(VcpuExitReason.Interrupted, stopReason);
            ulong count = guest.Vcpu.GetRegs().Rcx;
            Assert.True(count >= lastCount, $"the loop counter went back from {lastCount} to {count}");
            lastCount = count;
        }
    }

    [Fact]
    public void HaltedGuest_WithInKernelIrqchip_IsKickedOut()
    {
        using var guest = TinyGuest.Create(new TinyGuestOptions { Irqchip = true });
        guest.LoadLongMode(a =>
        {
            // With the in-kernel LAPIC, HLT with interrupts off halts inside KVM for good: no exit to userspace.
            a.cli();
            a.mov(dx, StartedPort);
            a.@out(dx, al);
            a.hlt();
            a.mov(dx, TinyGuestLayout.DonePort);
            a.@out(dx, al);
        });
        using var started = new ManualResetEventSlim();
        var reasons = new List<VcpuExitReason>();

        TinyGuestRun run = guest.Start(exit =>
        {
            reasons.Add(exit.Reason);
            if (exit.Reason == VcpuExitReason.Io && exit.Port == StartedPort)
            {
                started.Set();
                return true;
            }
            return false;
        });
        Assert.True(started.Wait(StartTimeout, TestContext.Current.CancellationToken), "the guest never reached its HLT");
        VcpuKicker.Kick(guest.Vcpu, run.Pthread);
        run.Wait(StartTimeout);

        Assert.Equal([VcpuExitReason.Io, VcpuExitReason.Interrupted], reasons);
    }
}
