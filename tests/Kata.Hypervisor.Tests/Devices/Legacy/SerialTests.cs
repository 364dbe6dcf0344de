using System.Diagnostics;
using System.Text;
using Kata.Hypervisor.Devices.Legacy;
using Kata.Hypervisor.Tests.Infrastructure;
using Serilog.Events;

namespace Kata.Hypervisor.Tests.Devices.Legacy;

/// <summary>The 8250/16550A driven through its ports the way drivers/tty/serial/8250/8250_port.c does.</summary>
public sealed class SerialTests
{
    // Offsets from the base port (include/uapi/linux/serial_reg.h).
    private const ulong Thr = 0, Rbr = 0, Dll = 0, Ier = 1, Dlm = 1, Iir = 2, Fcr = 2, Lcr = 3, Mcr = 4, Lsr = 5, Msr = 6, Scr = 7;

    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);

    private readonly CountingInterruptLine _irq = new();

    [Fact]
    public void OutputThroughThr_ReachesSink_AndIsCounted()
    {
        var sink = new MemoryStream();
        using var serial = new Serial(_irq, sink, Serilog.Core.Logger.None);

        serial.OutString(Thr, "Linux version 6.12\n");

        Assert.True(serial.Flush(FlushTimeout));
        Assert.Equal("Linux version 6.12\n", Encoding.ASCII.GetString(sink.ToArray()));
        Assert.Equal(19, serial.BytesOut);
        Assert.Equal(0, serial.OutputBytesDropped);
    }

    [Fact]
    public void PartialLine_IsWrittenWithoutFlushAfterAShortDelay()
    {
        var sink = new RecordingStream();
        using var serial = new Serial(_irq, sink, Serilog.Core.Logger.None);

        serial.OutString(Thr, "/ # ");

        var sw = Stopwatch.StartNew();
        while (sink.Snapshot().Length < 4 && sw.Elapsed < FlushTimeout)
        {
            Thread.Sleep(5);
        }
        Assert.Equal("/ # ", Encoding.ASCII.GetString(sink.Snapshot()));
    }

    [Fact]
    public void NullSink_DiscardsOutputButCountsIt()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        serial.OutString(Thr, "abc");
        Assert.Equal(3, serial.BytesOut);
        Assert.False(serial.Flush(TimeSpan.Zero));
    }

    [Fact]
    public void DivisorLatch_RoundTripsWhileDlabIsSet_AndHidesRbrIer()
    {
        var sink = new MemoryStream();
        using var serial = new Serial(_irq, sink, Serilog.Core.Logger.None);

        // serial8250_set_divisor: LCR |= DLAB, DLL/DLM, then LCR back (115200 baud = divisor 1; here 0x1234).
        serial.Out(Lcr, 0x83);
        serial.Out(Dll, 0x34);
        serial.Out(Dlm, 0x12);
        Assert.Equal(0x34, serial.In(Dll));
        Assert.Equal(0x12, serial.In(Dlm));
        Assert.Equal(0x83, serial.In(Lcr));

        serial.Out(Lcr, 0x03);
        Assert.Equal(0x00, serial.In(Ier)); // IER, not DLM
        serial.Out(Lcr, 0x80);
        Assert.Equal(0x34, serial.In(Dll));
        Assert.Equal(0x12, serial.In(Dlm));

        Assert.True(serial.Flush(FlushTimeout));
        Assert.Equal(0, serial.BytesOut); // DLL writes are not transmitted
        Assert.Equal(0, sink.Length);
    }

    [Fact]
    public void LineStatus_ReportsTransmitterEmptyAndDataReady()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        Assert.Equal(0x60, serial.In(Lsr)); // THRE | TEMT, no data

        serial.EnqueueInput("ok"u8);
        Assert.Equal(0x61, serial.In(Lsr)); // + DR
        Assert.Equal((byte)'o', serial.In(Rbr));
        Assert.Equal(0x61, serial.In(Lsr));
        Assert.Equal((byte)'k', serial.In(Rbr));
        Assert.Equal(0x60, serial.In(Lsr));
        Assert.Equal(0x00, serial.In(Rbr)); // empty FIFO reads 0
    }

    [Fact]
    public void EnablingEtbei_RaisesThre_AndReadingIirClearsIt()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        Assert.Equal(0x01, serial.In(Iir)); // no interrupt, FIFOs off

        serial.Out(Ier, 0x02);
        Assert.Equal(1, _irq.Triggers);
        Assert.Equal(0x02, serial.In(Iir));
        Assert.Equal(0x01, serial.In(Iir)); // reading IIR cleared THRE

        // Re-writing the same IER value is not a new edge; a THR write is.
        serial.Out(Ier, 0x02);
        Assert.Equal(1, _irq.Triggers);
        serial.Out(Thr, (byte)'x');
        Assert.Equal(2, _irq.Triggers);
        serial.Out(Thr, (byte)'y'); // THRE still pending and unacknowledged: no new edge needed
        Assert.Equal(2, _irq.Triggers);
        Assert.Equal(0x02, serial.In(Iir));
        serial.Out(Thr, (byte)'z');
        Assert.Equal(3, _irq.Triggers);

        // Disabling ETBEI hides the source; re-enabling raises it again (THR is empty).
        serial.Out(Ier, 0x00);
        Assert.Equal(0x01, serial.In(Iir));
        serial.Out(Ier, 0x02);
        Assert.Equal(4, _irq.Triggers);
    }

    [Fact]
    public void ThrWritesWithoutEtbei_RaiseNothing()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        serial.OutString(Thr, "quiet console write\n");
        Assert.Equal(0, _irq.Triggers);
        Assert.Equal(0x01, serial.In(Iir));
    }

    [Fact]
    public void FifoControl_IsReflectedInIirBits7And6()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        serial.Out(Fcr, 0x01);
        Assert.Equal(0xc1, serial.In(Iir));
        serial.Out(Ier, 0x02);
        Assert.Equal(0xc2, serial.In(Iir));
        serial.Out(Fcr, 0x00);
        Assert.Equal(0x01, serial.In(Iir));
    }

    [Fact]
    public void Iir_ReportsHighestPrioritySource_LineStatusThenDataThenThre()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        serial.Out(Fcr, 0x07);
        serial.Out(Ier, 0x07); // RDI | THRI | RLSI, as serial8250_startup enables them
        serial.Out(Thr, (byte)'a'); // THRE pending
        serial.EnqueueInput(new byte[Serial.FifoSize + 1]); // full FIFO and an overrun

        Assert.Equal(0xc6, serial.In(Iir)); // receiver line status
        Assert.Equal(0x63, serial.In(Lsr)); // DR | OE | THRE | TEMT; reading clears OE
        Assert.Equal(0xc4, serial.In(Iir)); // received data
        for (int i = 0; i < Serial.FifoSize; i++)
        {
            serial.In(Rbr);
        }
        Assert.Equal(0xc2, serial.In(Iir)); // THR empty, still pending below the others
        Assert.Equal(0xc1, serial.In(Iir));
    }

    [Fact]
    public void ReceivedData_WithErbfi_RaisesTheInterruptOncePerNewData()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        serial.EnqueueInput("x"u8);
        Assert.Equal(0, _irq.Triggers); // ERBFI off
        serial.In(Rbr);

        serial.Out(Ier, 0x01);
        Assert.Equal(2, serial.EnqueueInput("ls"u8));
        Assert.Equal(1, _irq.Triggers);
        serial.EnqueueInput("\n"u8); // data already pending: the handler drains the FIFO anyway
        Assert.Equal(1, _irq.Triggers);

        Assert.Equal(0x04, serial.In(Iir));
        Assert.Equal("ls\n", Encoding.ASCII.GetString([serial.In(Rbr), serial.In(Rbr), serial.In(Rbr)]));
        Assert.Equal(0x01, serial.In(Iir));
        Assert.Equal(0x60, serial.In(Lsr));

        serial.EnqueueInput("y"u8);
        Assert.Equal(2, _irq.Triggers);
    }

    [Fact]
    public void EnablingErbfi_WithDataWaiting_RaisesTheInterrupt()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        serial.EnqueueInput("early"u8);
        serial.Out(Ier, 0x01);
        Assert.Equal(1, _irq.Triggers);
    }

    [Fact]
    public void FifoOverflow_DropsAndCountsExcess_AndSetsOverrunUntilLsrIsRead()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        Assert.Equal(Serial.FifoSize, serial.InputSpaceAvailable);

        byte[] input = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        Assert.Equal(Serial.FifoSize, serial.EnqueueInput(input));
        Assert.Equal(100 - Serial.FifoSize, serial.InputBytesDropped);
        Assert.Equal(0, serial.InputSpaceAvailable);

        Assert.Equal(0x63, serial.In(Lsr));
        Assert.Equal(0x61, serial.In(Lsr)); // OE cleared by the read
        for (int i = 0; i < Serial.FifoSize; i++)
        {
            Assert.Equal((byte)i, serial.In(Rbr)); // the FIFO kept the oldest bytes
        }
        Assert.Equal(0, serial.EnqueueInput([]));
        Assert.Equal(100 - Serial.FifoSize, serial.InputBytesDropped);
    }

    [Fact]
    public void FcrClearReceive_EmptiesTheFifo()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        serial.Out(Fcr, 0x01);
        serial.EnqueueInput("stale"u8);
        serial.Out(Fcr, 0x03);
        Assert.Equal(0x60, serial.In(Lsr));
        Assert.Equal(Serial.FifoSize, serial.InputSpaceAvailable);
    }

    [Fact]
    public void Loopback_SendsThrToRbr_AndWiresMcrToMsr()
    {
        var sink = new MemoryStream();
        using var serial = new Serial(_irq, sink, Serilog.Core.Logger.None);
        Assert.Equal(0xb0, serial.In(Msr)); // DCD | DSR | CTS

        // 8250_port.c autoconfig: MCR = LOOP | OUT2 | RTS must read back DCD | CTS in MSR bits 7:4.
        serial.Out(Mcr, 0x1a);
        Assert.Equal(0x90, serial.In(Msr) & 0xf0);
        serial.Out(Mcr, 0x1f); // DTR RTS OUT1 OUT2 → DSR CTS RI DCD
        Assert.Equal(0xf0, serial.In(Msr) & 0xf0);
        serial.Out(Mcr, 0x10); // all outputs low: RI falls (TERI), CTS/DSR/DCD change
        Assert.Equal(0x0f, serial.In(Msr));
        Assert.Equal(0x00, serial.In(Msr)); // deltas clear on read

        serial.Out(Ier, 0x01);
        long before = _irq.Triggers;
        serial.Out(Thr, 0x5a);
        Assert.Equal(before + 1, _irq.Triggers);
        Assert.Equal(0x61, serial.In(Lsr));
        Assert.Equal(0x5a, serial.In(Rbr));

        Assert.Equal(0, serial.EnqueueInput("ignored"u8)); // the serial input is disconnected in loopback
        Assert.Equal(7, serial.InputBytesDropped);

        serial.Out(Mcr, 0x08); // leave loopback
        Assert.Equal(0xb0, serial.In(Msr) & 0xf0);
        serial.Flush(FlushTimeout);
        Assert.Equal(0, serial.BytesOut);
        Assert.Equal(0, sink.Length);
    }

    [Fact]
    public void ModemStatusInterrupt_IsLowestPriority()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        serial.Out(Ier, 0x08); // EDSSI
        serial.Out(Mcr, 0x10); // loopback with all outputs low: CTS, DSR and DCD drop
        Assert.Equal(1, _irq.Triggers);
        Assert.Equal(0x00, serial.In(Iir) & 0x0f); // modem status
        serial.In(Msr);
        Assert.Equal(0x01, serial.In(Iir) & 0x0f);
    }

    [Fact]
    public void ScratchRegister_RoundTrips()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        Assert.Equal(0, serial.In(Scr));
        serial.Out(Scr, 0xa5);
        Assert.Equal(0xa5, serial.In(Scr));
        serial.Out(Scr, 0x5a);
        Assert.Equal(0x5a, serial.In(Scr));
    }

    [Fact]
    public void LinuxAutoconfig_FindsA16550A()
    {
        // The probe order of autoconfig() in drivers/tty/serial/8250/8250_port.c.
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        serial.Out(Ier, 0x00);
        Assert.Equal(0x00, serial.In(Ier) & 0x0f);
        serial.Out(Ier, 0x0f);
        Assert.Equal(0x0f, serial.In(Ier) & 0x0f);
        serial.Out(Ier, 0x00);

        serial.Out(Mcr, 0x1a);
        Assert.Equal(0x90, serial.In(Msr) & 0xf0);
        serial.Out(Mcr, 0x08);

        serial.Out(Fcr, 0x01);
        Assert.Equal(3, serial.In(Iir) >> 6); // FIFOs present: autoconfig_16550a
        serial.Out(Lcr, 0xbf);
        Assert.NotEqual(0, serial.In(Iir)); // no EFR: not a 16650
        serial.Out(Lcr, 0x00);
        serial.Out(Ier, 0x40); // UART_IER_UUE does not stick: not an XScale UART
        Assert.Equal(0, serial.In(Ier) & 0x40);
        Assert.NotEqual(0xff, serial.In(Lsr));
    }

    [Fact]
    public void LinuxThreProbe_SeesThreReasserted_SoNoUartBugThre()
    {
        // serial8250_do_startup: IER=THRI, read IIR, IER=0, IER=THRI, read IIR. A UART that does not re-assert THRE
        // (iir1 has an interrupt, iir has none) gets UART_BUG_THRE and is driven by a polling timer.
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        serial.Out(Ier, 0x02);
        byte iir1 = serial.In(Iir);
        serial.Out(Ier, 0x00);
        serial.Out(Ier, 0x02);
        byte iir = serial.In(Iir);
        serial.Out(Ier, 0x00);

        Assert.Equal(0, iir1 & 0x01);
        Assert.Equal(0, iir & 0x01);
    }

    [Fact]
    public void WideAccesses_AreSplitIntoByteCycles_AndPortsPastTheUartReadFf()
    {
        using var serial = new Serial(_irq, null, Serilog.Core.Logger.None);
        serial.Write(Scr - 1, [0x00, 0x77]); // MSR (read-only) then SCR
        Assert.Equal(0x77, serial.In(Scr));

        Span<byte> data = stackalloc byte[4];
        serial.Read(Scr, data);
        Assert.Equal([0x77, 0xff, 0xff, 0xff], data.ToArray());
        serial.Read(8, data);
        Assert.Equal([0xff, 0xff, 0xff, 0xff], data.ToArray());
        serial.Read(ulong.MaxValue, data);
        Assert.Equal([0xff, 0xff, 0xff, 0xff], data.ToArray());
        serial.Write(ulong.MaxValue - 1, [1, 2, 3, 4]);
    }

    [Fact]
    public void ThrowingSink_DoesNotReachTheGuest_AndIsCountedAndLoggedOnce()
    {
        var sink = new FailingStream();
        var log = new CollectingLogSink();
        using var serial = new Serial(_irq, sink, log.CreateLogger());

        for (int i = 0; i < 5; i++)
        {
            serial.OutString(Thr, $"line {i}\n");
            Assert.True(serial.Flush(FlushTimeout));
        }

        Assert.Equal(35, serial.BytesOut);
        Assert.Equal(35, serial.OutputBytesDropped);
        Assert.Equal(5, serial.OutputWriteFailures);
        Assert.Equal(5, sink.WriteAttempts);
        Assert.Single(log.Events, e => e.Level == LogEventLevel.Warning);
        Assert.Equal(0x60, serial.In(Lsr)); // the UART carries on
    }

    [Fact]
    public void StuckSink_NeverBlocksTheVcpu_OutputIsDroppedAndCounted()
    {
        var sink = new StuckStream();
        var log = new CollectingLogSink();
        var serial = new Serial(_irq, sink, log.CreateLogger());
        try
        {
            byte[] line = Encoding.ASCII.GetBytes(new string('x', 99) + "\n");
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < 3000; i++) // 300 KB, far more than the pending buffer
            {
                foreach (byte b in line)
                {
                    serial.Out(Thr, b);
                }
            }
            sw.Stop();

            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"THR writes took {sw.Elapsed}");
            Assert.Equal(300_000, serial.BytesOut);
            Assert.True(serial.OutputBytesDropped > 0);
            Assert.False(serial.Flush(TimeSpan.FromMilliseconds(100)));
            Assert.Single(log.Events, e => e.Level == LogEventLevel.Warning);
        }
        finally
        {
            sink.Release();
            serial.Dispose();
        }
    }

    [Fact]
    public void Dispose_WritesThePendingPartialLine()
    {
        var sink = new RecordingStream();
        var serial = new Serial(_irq, sink, Serilog.Core.Logger.None);
        serial.OutString(Thr, "reboot: Restarting system");
        serial.Dispose();
        Assert.Equal("reboot: Restarting system", Encoding.ASCII.GetString(sink.Snapshot()));
        serial.Out(Thr, (byte)'!'); // after dispose: dropped, never throws
        serial.Dispose();
    }

    [Fact]
    public void ThrowingInterruptLine_DoesNotPropagate()
    {
        using var serial = new Serial(new ThrowingInterruptLine(), null, Serilog.Core.Logger.None);
        serial.Out(Ier, 0x0f);
        serial.Out(Thr, (byte)'a');
        serial.In(Iir);
        serial.Out(Thr, (byte)'b');
        serial.EnqueueInput("in"u8);
        Assert.True(serial.InterruptFailures >= 2);
    }

    [Fact]
    public void ConcurrentVcpusAndInput_KeepCountsConsistent()
    {
        using var serial = new Serial(_irq, new RecordingStream(), Serilog.Core.Logger.None);
        serial.Out(Ier, 0x03);
        const int PerThread = 20_000;
        var writers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                serial.Out(Thr, (byte)'a');
                serial.In(Iir);
                serial.In(Rbr);
            }
        })).ToList();
        var input = new Thread(() =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                serial.EnqueueInput("z"u8);
            }
        });
        writers.ForEach(t => t.Start());
        input.Start();
        writers.ForEach(t => t.Join());
        input.Join();

        Assert.Equal(2 * PerThread, serial.BytesOut);
        Assert.True(serial.Flush(FlushTimeout));
    }
}
