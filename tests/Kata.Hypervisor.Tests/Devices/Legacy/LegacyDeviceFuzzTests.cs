using Kata.Hypervisor.Devices;
using Kata.Hypervisor.Devices.Legacy;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Legacy;

/// <summary>A hostile guest: random reads and writes of every width at and around each device's ports.</summary>
public sealed class LegacyDeviceFuzzTests
{
    private const int Operations = 100_000;
    private static readonly int[] Widths = [1, 2, 4];

    [Fact]
    public void Serial_SurvivesRandomAccesses()
    {
        var irq = new CountingInterruptLine();
        using var serial = new Serial(irq, new RecordingStream(), Serilog.Core.Logger.None);
        Fuzz(serial, Serial.PortCount, seed: 0x8250, random =>
        {
            if (random.Next(64) == 0)
            {
                byte[] input = new byte[random.Next(0, 100)];
                random.NextBytes(input);
                serial.EnqueueInput(input);
            }
        });
        // Whatever happened, the registers still make sense.
        byte lsr = serial.In(5);
        Assert.Equal(0x60, lsr & 0x60);
        Assert.Equal(0, lsr & 0x9c);
        Assert.Equal(0, serial.In(2) & 0x30);
    }

    [Fact]
    public void I8042_SurvivesRandomAccesses()
    {
        int resets = 0;
        var i8042 = new I8042(() => resets++, new CountingInterruptLine());
        Fuzz(i8042, I8042.PortCount, seed: 0x8042, random =>
        {
            if (random.Next(256) == 0)
            {
                i8042.TriggerCtrlAltDel();
            }
        });
        Assert.InRange(resets, 0, 1);
    }

    [Fact]
    public void Cmos_SurvivesRandomAccesses()
    {
        var cmos = new Cmos(() => DateTimeOffset.UtcNow, 1UL << 30);
        Fuzz(cmos, Cmos.PortCount, seed: 0x146818, _ => { });
        cmos.Out(0, 0x0d);
        Assert.Equal(0x80, cmos.In(1));
    }

    [Fact]
    public void BootTimer_SurvivesRandomAccesses()
    {
        var timer = new BootTimer(System.Diagnostics.Stopwatch.GetTimestamp(), Serilog.Core.Logger.None);
        Fuzz(timer, (int)BootTimer.Length, seed: 123, _ => { });
    }

    /// <summary>
    /// <paramref name="portCount"/> plus a few offsets past it (a wide access at the last port spills over, and
    /// the bus may hand any offset), every width, random data, with a fixed seed so a failure reproduces.
    /// </summary>
    private static void Fuzz(IBusDevice device, int portCount, int seed, Action<Random> sideChannel)
    {
        var random = new Random(seed);
        byte[] buffer = new byte[4];
        for (int i = 0; i < Operations; i++)
        {
            ulong offset = random.Next(32) == 0 ? (ulong)random.NextInt64() : (ulong)random.Next(portCount + 3);
            int width = Widths[random.Next(Widths.Length)];
            Span<byte> data = buffer.AsSpan(0, width);
            if (random.Next(2) == 0)
            {
                device.Read(offset, data);
            }
            else
            {
                random.NextBytes(data);
                device.Write(offset, data);
            }
            sideChannel(random);
        }
    }
}
