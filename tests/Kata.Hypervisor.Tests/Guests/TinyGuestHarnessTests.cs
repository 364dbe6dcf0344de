using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Tests.Infrastructure;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Guests;

/// <summary>The harness itself: a guest that never exits fails its test instead of hanging the suite.</summary>
public class TinyGuestHarnessTests
{
    [Fact]
    public void Run_OnAGuestThatNeverExits_ThrowsTimeout_AndLeavesTheVcpuUsable()
    {
        using var guest = TinyGuest.Create(new TinyGuestOptions { RunTimeout = TimeSpan.FromMilliseconds(200) });
        guest.LoadLongMode(a =>
        {
            var spin = a.CreateLabel();
            a.Label(ref spin);
            a.jmp(spin);
        });

        var timeout = Assert.Throws<TimeoutException>(() => guest.RunUntilStop());

        Assert.Contains("RIP 0x10000", timeout.Message);
        Assert.Equal(TinyGuestLayout.CodeAddress, guest.Vcpu.GetRegs().Rip);
    }

    [Fact]
    public void Dispose_WhileTheGuestRuns_StopsTheVcpuThread()
    {
        TinyGuestRun run;
        using (var guest = TinyGuest.Create())
        {
            guest.LoadRealMode(a =>
            {
                var spin = a.CreateLabel();
                a.Label(ref spin);
                a.jmp(spin);
            });
            run = guest.Start(exit => exit.Reason != VcpuExitReason.Interrupted);
            _ = run.Pthread; // the vCPU thread is up
        }

        Assert.True(run.IsFinished);
    }
}
