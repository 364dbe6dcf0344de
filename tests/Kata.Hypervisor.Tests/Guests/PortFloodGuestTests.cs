using System.Text;
using Kata.Hypervisor.Devices.Legacy;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Tests.Infrastructure;
using Serilog;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Guests;

/// <summary>
/// A hostile guest writes a byte to every port 0..0xFFFF, then reports done. Without an in-kernel irqchip every write
/// reaches userspace, in order; with it, exactly the ports KVM emulates in the kernel (PIC, PIT, speaker, ELCR) do
/// not. With the real legacy devices on the bus, every device survives the garbage.
/// </summary>
public class PortFloodGuestTests
{
    /// <summary>8259 PICs, 8254 PIT, port 0x61 (KVM_PIT_SPEAKER_DUMMY), ELCR: handled inside KVM.</summary>
    public static readonly int[] InKernelPorts = [0x20, 0x21, 0x40, 0x41, 0x42, 0x43, 0x61, 0xa0, 0xa1, 0x4d0, 0x4d1];

    [Fact]
    public void WithoutIrqchip_EveryPortWriteExits_InOrder_NoneLost()
    {
        using var guest = TinyGuest.Create();
        guest.LoadRealMode(a =>
        {
            TinyGuestPrograms.EmitByteFlood(a);
            a.hlt();
        });
        var ports = new List<int>(0x10000);
        var wrongData = new List<string>();
        bool done = false;
        VcpuExitReason? last = null;

        guest.Run(exit =>
        {
            if (exit.Reason == VcpuExitReason.Io && exit.IsWrite && exit.Size == 1)
            {
                ports.Add(exit.Port);
                if (exit.Data[0] != TinyGuestPrograms.FloodGarbage(exit.Port) && wrongData.Count < 10)
                {
                    wrongData.Add($"port 0x{exit.Port:x}: 0x{exit.Data[0]:x2}");
                }
                return true;
            }
            if (exit.Reason == VcpuExitReason.Io && exit.IsWrite && exit.Size == 4 && exit.Port == TinyGuestLayout.DonePort)
            {
                done = BitConverter.ToUInt32(exit.Data) == TinyGuestPrograms.FloodDoneValue;
                return true;
            }
            last = exit.Reason;
            return false;
        });

        Assert.True(done);
        Assert.Equal(VcpuExitReason.Hlt, last);
        Assert.Empty(wrongData);
        Assert.Equal(0x10000, ports.Count);
        Assert.True(ports.SequenceEqual(Enumerable.Range(0, 0x10000)), "port writes arrived out of order");
    }

    [Fact]
    public void WithIrqchip_OnlyThePortsKvmEmulatesInTheKernel_AreMissing()
    {
        using var guest = TinyGuest.Create(new TinyGuestOptions { Irqchip = true });
        guest.LoadRealMode(a =>
        {
            a.cli();
            TinyGuestPrograms.EmitByteFlood(a);
            TinyGuestPrograms.EmitSpin(a);
        });
        var ports = new HashSet<int>();

        guest.Run(exit =>
        {
            Assert.Equal(VcpuExitReason.Io, exit.Reason);
            if (exit.Size == 4 && exit.Port == TinyGuestLayout.DonePort)
            {
                return false;
            }
            Assert.True(ports.Add(exit.Port), $"port 0x{exit.Port:x} exited twice");
            return true;
        });

        int[] missing = [.. Enumerable.Range(0, 0x10000).Where(p => !ports.Contains(p))];
        Assert.Equal(InKernelPorts, missing);
    }

    [Fact]
    public void WithTheLegacyDevicesOnTheBus_GarbageNeverResets_AndTheUartStillWorks()
    {
        byte toCommandPort = TinyGuestPrograms.FloodGarbage(TinyGuestPrograms.I8042Command);
        Assert.False(toCommandPort >= 0xf0 && (toCommandPort & 1) == 0 || toCommandPort == 0xd1,
            "the flood itself would reset the machine");
        using var guest = TinyGuest.Create(new TinyGuestOptions { Irqchip = true });
        using var serialSink = new MemoryStream();
        var serial = new Serial(new CountingInterruptLine(), serialSink, Serilog.Core.Logger.None);
        const ushort floodsDonePort = 0x5000; // beyond the wide floods; the byte flood writes it only as a byte
        int resets = 0;
        int? resetsAfterFloods = null;
        var i8042 = new I8042(() => Interlocked.Increment(ref resets), new CountingInterruptLine());
        guest.PortBus.Register(Serial.Com1Port, Serial.PortCount, serial);
        guest.PortBus.Register(I8042.BasePort, I8042.PortCount, i8042);
        guest.PortBus.Register(Cmos.BasePort, Cmos.PortCount, new Cmos(() => DateTimeOffset.UnixEpoch, TinyGuestLayout.DefaultMemoryBytes));
        guest.LoadRealMode(a =>
        {
            a.cli();
            TinyGuestPrograms.EmitByteFlood(a);
            TinyGuestPrograms.EmitWideFlood(a, dwords: false);
            TinyGuestPrograms.EmitWideFlood(a, dwords: true);
            a.mov(dx, floodsDonePort);
            a.@out(dx, eax);
            TinyGuestPrograms.EmitUartInit(a);
            TinyGuestPrograms.EmitPrint(a, "still alive\n");
            TinyGuestPrograms.EmitI8042Reset(a);
        });

        guest.Run(exit =>
        {
            Assert.Equal(VcpuExitReason.Io, exit.Reason);
            guest.Dispatch(exit);
            if (exit.IsWrite && exit.Port == floodsDonePort && exit.Size == 4)
            {
                resetsAfterFloods = Volatile.Read(ref resets);
            }
            return Volatile.Read(ref resets) == 0;
        });
        serial.Dispose();

        Assert.Equal(0, resetsAfterFloods);
        Assert.Equal(1, resets);
        Assert.True(i8042.ResetRequested);
        Assert.EndsWith("still alive\n", Encoding.Latin1.GetString(serialSink.ToArray()));
    }
}
