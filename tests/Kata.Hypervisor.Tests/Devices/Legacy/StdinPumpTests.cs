using Kata.Hypervisor.Devices.Legacy;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Legacy;

public sealed class StdinPumpTests
{
    [Fact]
    public void Pump_DeliversMoreThanTheFifoHolds_WithoutOverrun()
    {
        var irq = new CountingInterruptLine();
        using var serial = new Serial(irq, null, Serilog.Core.Logger.None);
        serial.Out(1, 0x01); // ERBFI
        byte[] input = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();

        using var pump = new StdinPump(serial, new MemoryStream(input), Serilog.Core.Logger.None);

        // The guest's receive loop: read RBR while LSR.DR is set.
        var received = new List<byte>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (received.Count < input.Length && DateTime.UtcNow < deadline)
        {
            if ((serial.In(5) & 0x01) != 0)
            {
                received.Add(serial.In(0));
            }
            else
            {
                Thread.Sleep(1);
            }
        }

        Assert.Equal(input, received);
        Assert.True(pump.WaitForCompletion(TimeSpan.FromSeconds(10)));
        Assert.True(pump.Completed);
        Assert.Equal(input.Length, pump.BytesPumped);
        Assert.Equal(0, serial.InputBytesDropped);
        Assert.True(irq.Triggers > 0);
    }

    [Fact]
    public void Pump_InLoopbackMode_DropsAndCountsInputOnce()
    {
        using var serial = new Serial(new CountingInterruptLine(), null, Serilog.Core.Logger.None);
        serial.Out(4, 0x10); // MCR.LOOP
        using var pump = new StdinPump(serial, new MemoryStream(new byte[200]), Serilog.Core.Logger.None);
        Assert.True(pump.WaitForCompletion(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, pump.BytesPumped);
        Assert.Equal(200, serial.InputBytesDropped);
    }
}
