using Kata.Hypervisor.Devices.Legacy;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Legacy;

/// <summary>The i8042 driven as Linux's drivers/input/serio/i8042.c, atkbd and reboot=k drive it.</summary>
public sealed class I8042Tests
{
    private const ulong Data = 0; // port 0x60
    private const ulong Command = 4; // port 0x64 (status on read)
    private const byte Obf = 0x01;

    private readonly CountingInterruptLine _irq1 = new();
    private int _resets;

    private I8042 NewController() => new(() => Interlocked.Increment(ref _resets), _irq1);

    [Fact]
    public void ResetCommand_CallsOnResetOnce()
    {
        I8042 i8042 = NewController();
        Assert.False(i8042.ResetRequested);

        i8042.Out(Command, 0xfe);
        Assert.Equal(1, _resets);
        Assert.True(i8042.ResetRequested);

        // native_machine_emergency_restart retries 0xFE; the machine resets once.
        for (int i = 0; i < 9; i++)
        {
            i8042.Out(Command, 0xfe);
        }
        Assert.Equal(1, _resets);
    }

    [Fact]
    public void OddPulseCommandsAndDataWrites_DoNotReset()
    {
        I8042 i8042 = NewController();
        i8042.Out(Command, 0xff); // pulses nothing
        i8042.Out(Command, 0xfd);
        i8042.Out(Data, 0xfe); // 0xFE to the keyboard is "resend", not a reset
        Assert.Equal(0, _resets);
    }

    [Fact]
    public void WritingOutputPortWithResetLineLow_Resets()
    {
        I8042 i8042 = NewController();
        i8042.Out(Command, 0xd1);
        i8042.Out(Data, 0xdf); // A20 on, reset deasserted (arch/x86/boot/a20.c)
        Assert.Equal(0, _resets);
        i8042.Out(Command, 0xd0);
        Assert.Equal(0xdf, i8042.In(Data));

        i8042.Out(Command, 0xd1);
        i8042.Out(Data, 0xde);
        Assert.Equal(1, _resets);
    }

    [Fact]
    public void SelfTest_Returns55_AndKeyboardPortTestReturns00()
    {
        I8042 i8042 = NewController();
        Assert.Equal(0, i8042.In(Command) & Obf);

        i8042.Out(Command, 0xaa);
        Assert.Equal(Obf, i8042.In(Command) & Obf);
        Assert.Equal(0x55, i8042.In(Data));
        Assert.Equal(0, i8042.In(Command) & Obf);

        i8042.Out(Command, 0xab);
        Assert.Equal(0x00, i8042.In(Data));
        Assert.Equal(0, _irq1.Triggers); // controller replies are polled, not interrupt-driven
        Assert.Equal(0x04, i8042.In(Command) & 0x04); // system flag
    }

    [Fact]
    public void CommandByte_RoundTrips()
    {
        I8042 i8042 = NewController();
        i8042.Out(Command, 0x20);
        Assert.Equal(0x45, i8042.In(Data)); // KBDINT | SYSFLAG | XLATE

        i8042.Out(Command, 0x60);
        Assert.Equal(0x08, i8042.In(Command) & 0x08); // last write was a command
        i8042.Out(Data, 0x47);
        i8042.Out(Command, 0x20);
        Assert.Equal(0x47, i8042.In(Data));

        i8042.Out(Command, 0xad); // disable keyboard
        i8042.Out(Command, 0xa7); // disable aux
        i8042.Out(Command, 0x20);
        Assert.Equal(0x77, i8042.In(Data));
        i8042.Out(Command, 0xae);
        i8042.Out(Command, 0xa8);
        i8042.Out(Command, 0x20);
        Assert.Equal(0x47, i8042.In(Data));
    }

    [Fact]
    public void CtrlAltDel_QueuesTranslatedMakeCodes_AndRaisesIrq1PerByte()
    {
        I8042 i8042 = NewController();
        Assert.True(i8042.TriggerCtrlAltDel());
        Assert.Equal(1, _irq1.Triggers);

        var received = new List<byte>();
        while ((i8042.In(Command) & Obf) != 0)
        {
            received.Add(i8042.In(Data)); // i8042_interrupt: one byte per interrupt
        }
        Assert.Equal([0x1d, 0x38, 0xe0, 0x53], received); // LCtrl, LAlt, Delete in set 1
        Assert.Equal(4, _irq1.Triggers);
        Assert.Equal(0, _resets);
    }

    [Fact]
    public void CtrlAltDel_WithoutTranslation_QueuesSet2MakeCodes()
    {
        I8042 i8042 = NewController();
        i8042.Out(Command, 0x60);
        i8042.Out(Data, 0x05); // Firecracker's command byte: no translation
        Assert.True(i8042.TriggerCtrlAltDel());
        Assert.Equal([0x14, 0x11, 0xe0, 0x71], new[] { i8042.In(Data), i8042.In(Data), i8042.In(Data), i8042.In(Data) });
    }

    [Fact]
    public void CtrlAltDel_WithKeyboardInterruptDisabled_QueuesWithoutIrq()
    {
        I8042 i8042 = NewController();
        i8042.Out(Command, 0x60);
        i8042.Out(Data, 0x44);
        Assert.True(i8042.TriggerCtrlAltDel());
        Assert.Equal(0, _irq1.Triggers);
        Assert.Equal(Obf, i8042.In(Command) & Obf);
    }

    [Fact]
    public void OutputBuffer_IsBounded()
    {
        I8042 i8042 = NewController();
        for (int i = 0; i < I8042.BufferSize / 4; i++)
        {
            Assert.True(i8042.TriggerCtrlAltDel());
        }
        Assert.False(i8042.TriggerCtrlAltDel());
        int bytes = 0;
        while ((i8042.In(Command) & Obf) != 0)
        {
            i8042.In(Data);
            bytes++;
        }
        Assert.Equal(I8042.BufferSize, bytes);
        Assert.True(i8042.TriggerCtrlAltDel());
    }

    [Fact]
    public void KeyboardCommands_AreAnsweredAsAtkbdExpects()
    {
        I8042 i8042 = NewController();

        i8042.Out(Data, 0xf2); // ATKBD_CMD_GETID
        Assert.Equal([0xfa, 0xab, 0x41], ReadAll(i8042));
        i8042.Out(Data, 0xed); // ATKBD_CMD_SETLEDS + parameter
        Assert.Equal([0xfa], ReadAll(i8042));
        i8042.Out(Data, 0x00);
        Assert.Equal([0xfa], ReadAll(i8042));
        i8042.Out(Data, 0xff); // reset: ACK then BAT passed
        Assert.Equal([0xfa, 0xaa], ReadAll(i8042));
        i8042.Out(Data, 0xee); // echo
        Assert.Equal([0xee], ReadAll(i8042));
        i8042.Out(Data, 0xf4); // enable
        Assert.Equal([0xfa], ReadAll(i8042));
        Assert.True(_irq1.Triggers >= 6);
    }

    [Fact]
    public void AuxProbe_FailsFast()
    {
        // i8042_check_aux: AUX_LOOP 0x5a must not come back as AUX data; AUX_TEST must report an error.
        I8042 i8042 = NewController();
        i8042.Out(Command, 0xd3);
        i8042.Out(Data, 0x5a);
        Assert.Equal(Obf, i8042.In(Command) & (Obf | 0x20)); // data available, but not from AUX
        i8042.In(Data);
        i8042.Out(Command, 0xa9);
        Assert.Equal(0x02, i8042.In(Data));
    }

    [Fact]
    public void UnclaimedPortsAndWideAccesses_AreHarmless()
    {
        I8042 i8042 = NewController();
        Assert.Equal(0xff, i8042.In(1));
        Assert.Equal(0xff, i8042.In(3));
        Assert.Equal(0x00, i8042.In(Data)); // empty buffer reads 0
        Span<byte> wide = stackalloc byte[4];
        i8042.Read(Data, wide);
        i8042.Read(ulong.MaxValue - 1, wide);
        i8042.Write(ulong.MaxValue - 1, [0xfe, 0xfe, 0xfe, 0xfe]);
        Assert.Equal(0, _resets);
    }

    [Fact]
    public void ThrowingResetHandlerAndInterruptLine_DoNotPropagate()
    {
        var i8042 = new I8042(() => throw new InvalidOperationException("vmm bug"), new ThrowingInterruptLine());
        i8042.Out(Command, 0xfe);
        Assert.True(i8042.ResetRequested);
        Assert.True(i8042.TriggerCtrlAltDel());
        Assert.Equal(1, i8042.InterruptFailures);
    }

    private static List<byte> ReadAll(I8042 i8042)
    {
        var bytes = new List<byte>();
        while ((i8042.In(Command) & Obf) != 0)
        {
            bytes.Add(i8042.In(Data));
        }
        return bytes;
    }
}
