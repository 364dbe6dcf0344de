using Kata.Hypervisor.Devices.Legacy;

namespace Kata.Hypervisor.Tests.Devices.Legacy;

/// <summary>The CMOS/RTC read the way Linux's mc146818_get_time (drivers/rtc/rtc-mc146818-lib.c) reads it.</summary>
public sealed class CmosTests
{
    private const ulong Index = 0; // port 0x70
    private const ulong Data = 1; // port 0x71

    /// <summary>A Saturday.</summary>
    private static readonly DateTimeOffset FixedTime = new(2026, 11, 28, 17, 30, 45, TimeSpan.Zero);

    private static Cmos NewCmos(ulong memoryBytes = 512UL << 20) => new(() => FixedTime, memoryBytes);

    private static byte ReadCmos(Cmos cmos, byte index)
    {
        cmos.Out(Index, index);
        return cmos.In(Data);
    }

    private static void WriteCmos(Cmos cmos, byte index, byte value)
    {
        cmos.Out(Index, index);
        cmos.Out(Data, value);
    }

    [Fact]
    public void TimeRegisters_AreBcdByDefault()
    {
        Cmos cmos = NewCmos();
        Assert.Equal(0x45, ReadCmos(cmos, 0x00)); // seconds
        Assert.Equal(0x30, ReadCmos(cmos, 0x02)); // minutes
        Assert.Equal(0x17, ReadCmos(cmos, 0x04)); // hours, 24-hour
        Assert.Equal(0x07, ReadCmos(cmos, 0x06)); // weekday: Saturday (Sunday = 1)
        Assert.Equal(0x28, ReadCmos(cmos, 0x07)); // day of month
        Assert.Equal(0x11, ReadCmos(cmos, 0x08)); // month
        Assert.Equal(0x26, ReadCmos(cmos, 0x09)); // year
        Assert.Equal(0x20, ReadCmos(cmos, 0x32)); // century
    }

    [Fact]
    public void TimeRegisters_AreBinaryWhenDmIsSet()
    {
        Cmos cmos = NewCmos();
        WriteCmos(cmos, 0x0b, 0x06); // DM | 24h
        Assert.Equal(45, ReadCmos(cmos, 0x00));
        Assert.Equal(30, ReadCmos(cmos, 0x02));
        Assert.Equal(17, ReadCmos(cmos, 0x04));
        Assert.Equal(7, ReadCmos(cmos, 0x06));
        Assert.Equal(28, ReadCmos(cmos, 0x07));
        Assert.Equal(11, ReadCmos(cmos, 0x08));
        Assert.Equal(26, ReadCmos(cmos, 0x09));
        Assert.Equal(20, ReadCmos(cmos, 0x32));
    }

    [Fact]
    public void Hours_In12HourMode_CarryThePmBit()
    {
        Cmos cmos = NewCmos();
        WriteCmos(cmos, 0x0b, 0x00);
        Assert.Equal(0x85, ReadCmos(cmos, 0x04)); // 5 PM, BCD
        WriteCmos(cmos, 0x0b, 0x04);
        Assert.Equal(0x85, ReadCmos(cmos, 0x04)); // 5 PM, binary
    }

    [Fact]
    public void StatusRegisters_HaveTheirPcDefaults()
    {
        Cmos cmos = NewCmos();
        Assert.Equal(0x26, ReadCmos(cmos, 0x0a)); // UIP clear, 32.768 kHz, 1024 Hz
        Assert.Equal(0x02, ReadCmos(cmos, 0x0b)); // 24-hour, BCD
        Assert.Equal(0x00, ReadCmos(cmos, 0x0c));
        Assert.Equal(0x80, ReadCmos(cmos, 0x0d)); // valid RAM and time

        WriteCmos(cmos, 0x0a, 0xa6); // UIP is read-only
        Assert.Equal(0x26, ReadCmos(cmos, 0x0a));
        WriteCmos(cmos, 0x0d, 0x00); // D is read-only
        Assert.Equal(0x80, ReadCmos(cmos, 0x0d));
    }

    [Fact]
    public void NmiDisableBit_IsMaskedOutOfTheIndex()
    {
        Cmos cmos = NewCmos();
        Assert.False(cmos.NmiDisabled);
        Assert.Equal(0x45, ReadCmos(cmos, 0x80)); // 0x80 | seconds
        Assert.True(cmos.NmiDisabled);
        Assert.Equal(0x80, ReadCmos(cmos, 0x8d)); // 0x80 | register D
        Assert.Equal(0x26, ReadCmos(cmos, 0x0a));
        Assert.False(cmos.NmiDisabled);
        Assert.Equal(0xff, cmos.In(Index)); // the index port is write-only
    }

    [Fact]
    public void MemorySizeRegisters_FollowQemuLayout_SmallGuest()
    {
        Cmos cmos = NewCmos(512UL << 20);
        Assert.Equal(640, ReadCmos(cmos, 0x15) | (ReadCmos(cmos, 0x16) << 8));
        Assert.Equal(0xffff, ReadCmos(cmos, 0x17) | (ReadCmos(cmos, 0x18) << 8)); // capped
        Assert.Equal(0xffff, ReadCmos(cmos, 0x30) | (ReadCmos(cmos, 0x31) << 8));
        Assert.Equal((512 - 16) * 16, ReadCmos(cmos, 0x34) | (ReadCmos(cmos, 0x35) << 8));
        Assert.Equal(0, ReadCmos(cmos, 0x5b) | (ReadCmos(cmos, 0x5c) << 8) | (ReadCmos(cmos, 0x5d) << 16));
    }

    [Fact]
    public void MemorySizeRegisters_SplitAtTheMmioGap_LargeGuest()
    {
        Cmos cmos = NewCmos(8UL << 30);
        // RAM below the 32-bit gap ends at 0xd000_0000 (3328 MiB); the rest (4864 MiB) is above 4 GiB.
        Assert.Equal((3328 - 16) * 16, ReadCmos(cmos, 0x34) | (ReadCmos(cmos, 0x35) << 8));
        Assert.Equal(4864 * 16, ReadCmos(cmos, 0x5b) | (ReadCmos(cmos, 0x5c) << 8) | (ReadCmos(cmos, 0x5d) << 16));
    }

    [Fact]
    public void Ram_RoundTrips_AndTimeWritesAreIgnored()
    {
        Cmos cmos = NewCmos();
        WriteCmos(cmos, 0x40, 0xab);
        Assert.Equal(0xab, ReadCmos(cmos, 0x40));
        WriteCmos(cmos, 0x7f, 0x12);
        Assert.Equal(0x12, ReadCmos(cmos, 0x7f));
        WriteCmos(cmos, 0x01, 0x59); // seconds alarm is RAM
        Assert.Equal(0x59, ReadCmos(cmos, 0x01));

        WriteCmos(cmos, 0x00, 0x00);
        WriteCmos(cmos, 0x09, 0x99);
        Assert.Equal(0x45, ReadCmos(cmos, 0x00));
        Assert.Equal(0x26, ReadCmos(cmos, 0x09));
    }

    [Fact]
    public void WideAccess_WritesIndexThenData()
    {
        Cmos cmos = NewCmos();
        cmos.Write(Index, [0x50, 0x77]); // outw 0x70: index 0x50, then data 0x77
        Assert.Equal(0x77, ReadCmos(cmos, 0x50));
        Span<byte> wide = stackalloc byte[4];
        cmos.Read(Index, wide);
        Assert.Equal([0xff, 0x77, 0xff, 0xff], wide.ToArray());
    }

    [Fact]
    public void LinuxGetTime_WithTheRealClock_GivesTodaysUtcDate()
    {
        DateTime before = DateTime.UtcNow;
        var cmos = new Cmos(() => DateTimeOffset.UtcNow, 256UL << 20);

        DateTime rtc = LinuxMc146818GetTime(cmos);

        DateTime after = DateTime.UtcNow;
        Assert.InRange(rtc, before.AddTicks(-(before.Ticks % TimeSpan.TicksPerSecond)), after);
        Assert.Equal(DateTimeKind.Utc, rtc.Kind);
    }

    [Fact]
    public void LinuxGetTime_WithTheFixedClock_GivesTheFixedDate()
    {
        Assert.Equal(FixedTime.UtcDateTime, LinuxMc146818GetTime(NewCmos()));
    }

    /// <summary>
    /// mc146818_get_time as x86 Linux runs it: wait out UIP, read the fields (seconds twice), convert from BCD
    /// (x86 defines RTC_ALWAYS_BCD), and place a two-digit year in 1970..2069.
    /// </summary>
    private static DateTime LinuxMc146818GetTime(Cmos cmos)
    {
        for (int attempt = 0; attempt < 10; attempt++)
        {
            byte seconds = ReadCmos(cmos, 0x00);
            if ((ReadCmos(cmos, 0x0a) & 0x80) != 0)
            {
                continue;
            }
            int minutes = ReadCmos(cmos, 0x02);
            int hours = ReadCmos(cmos, 0x04);
            int day = ReadCmos(cmos, 0x07);
            int month = ReadCmos(cmos, 0x08);
            int year = ReadCmos(cmos, 0x09);
            if (seconds != ReadCmos(cmos, 0x00))
            {
                continue; // a second boundary passed: read again
            }
            int tmYear = Bcd(year);
            if (tmYear <= 69)
            {
                tmYear += 100;
            }
            return new DateTime(1900 + tmYear, Bcd(month), Bcd(day), Bcd(hours), Bcd(minutes), Bcd(seconds), DateTimeKind.Utc);
        }
        throw new InvalidOperationException("RTC stuck in update");
    }

    private static int Bcd(int value) => (value >> 4) * 10 + (value & 0x0f);
}
