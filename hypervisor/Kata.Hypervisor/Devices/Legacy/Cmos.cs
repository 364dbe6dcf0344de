using Kata.Hypervisor.Arch.X86_64;

namespace Kata.Hypervisor.Devices.Legacy;

/// <summary>
/// The PC CMOS: an MC146818 real-time clock with 128 bytes of battery-backed RAM behind an index port (0x70) and a
/// data port (0x71). The time registers read the host's UTC clock, as Linux's x86 RTC code expects
/// (arch/x86/kernel/rtc.c → mc146818_get_time in drivers/rtc/rtc-mc146818-lib.c): no update is ever in progress
/// (register A's UIP stays 0), values are BCD (x86 Linux defines RTC_ALWAYS_BCD and converts from BCD whatever
/// register B says) in 24-hour format, and register D reports valid RAM and time. The RAM also carries the memory
/// size bytes PC firmware reads, laid out as QEMU's pc_cmos_init does.
/// <para>
/// Differences from the chip: guest writes to the time and century registers are ignored (the host clock is the
/// source of truth), the update-ended, alarm and periodic interrupts (IRQ 8) are never raised (register C reads 0),
/// and the RAM checksum at 0x2e/0x2f is not maintained. Port 0x70 is write-only and reads 0xff, as on QEMU.
/// Bits and registers follow the MC146818 datasheet (Table 2 "Address Map", registers A-D) and
/// include/linux/mc146818rtc.h.
/// </para>
/// Thread-safe: the index/data pair is a two-step protocol, so each access takes the device lock.
/// </summary>
public sealed class Cmos : IBusDevice
{
    /// <summary>First I/O port of the range the VMM registers (0x70..0x71).</summary>
    public const ushort BasePort = 0x70;

    /// <summary>Length of the registered port range.</summary>
    public const int PortCount = 2;

    /// <summary>Bytes of CMOS RAM, RTC registers included.</summary>
    public const int RamSize = 128;

    private const int IndexOffset = 0;
    private const int DataOffset = 1;

    /// <summary>Port 0x70 bit 7 disables NMI on PC chipsets; it is not part of the index.</summary>
    private const byte IndexMask = 0x7f;
    private const byte NmiDisableBit = 0x80;

    // MC146818 address map (RTC_SECONDS, RTC_MINUTES, ... in mc146818rtc.h).
    private const int RegSeconds = 0x00;
    private const int RegMinutes = 0x02;
    private const int RegHours = 0x04;
    private const int RegDayOfWeek = 0x06;
    private const int RegDayOfMonth = 0x07;
    private const int RegMonth = 0x08;
    private const int RegYear = 0x09;
    private const int RegA = 0x0a;
    private const int RegB = 0x0b;
    private const int RegC = 0x0c;
    private const int RegD = 0x0d;
    /// <summary>Century byte in BCD, at the PC/AT location (ACPI FADT "century" usually points here).</summary>
    private const int RegCentury = 0x32;

    // Register A: UIP (bit 7, read-only), divider (bits 6:4) and rate select (bits 3:0).
    private const byte RegAUpdateInProgress = 0x80;
    /// <summary>32.768 kHz time base (DV = 010), 1024 Hz periodic rate (RS = 0110): what PC firmware programs.</summary>
    private const byte RegADefault = 0x26;

    // Register B: SET 0x80, PIE 0x40, AIE 0x20, UIE 0x10, SQWE 0x08, DM 0x04 (1 = binary), 24/12 0x02, DSE 0x01.
    private const byte RegBBinary = 0x04;
    private const byte RegB24Hour = 0x02;
    private const byte RegBDefault = RegB24Hour;

    /// <summary>Register D: VRT (valid RAM and time), the battery is good.</summary>
    private const byte RegDValid = 0x80;

    /// <summary>Hours register bit 7 in 12-hour mode: PM.</summary>
    private const byte HourPm = 0x80;

    // Memory size bytes (QEMU hw/i386/pc.c pc_cmos_init; read by SeaBIOS and older firmware).
    private const int RegBaseMemoryLow = 0x15; // KiB below 640 KiB
    private const int RegBaseMemoryHigh = 0x16;
    private const int RegExtendedMemoryLow = 0x17; // KiB above 1 MiB, capped at 0xffff
    private const int RegExtendedMemoryHigh = 0x18;
    private const int RegExtendedMemoryCopyLow = 0x30;
    private const int RegExtendedMemoryCopyHigh = 0x31;
    private const int RegMemoryAbove16MLow = 0x34; // 64 KiB units from 16 MiB to the 32-bit gap, capped at 0xffff
    private const int RegMemoryAbove16MHigh = 0x35;
    private const int RegMemoryAbove4GLow = 0x5b; // 64 KiB units above 4 GiB, 24 bits
    private const int RegMemoryAbove4GMiddle = 0x5c;
    private const int RegMemoryAbove4GHigh = 0x5d;

    private readonly object _lock = new();
    private readonly Func<DateTimeOffset> _clock;
    private readonly byte[] _ram = new byte[RamSize];
    private int _index;
    private bool _nmiDisabled;

    /// <param name="clock">The wall clock the RTC shows (the VMM passes <c>() => DateTimeOffset.UtcNow</c>).</param>
    /// <param name="memoryBytes">Guest RAM size; split below/above 4 GiB as <see cref="Layout.RamRanges"/> does.</param>
    public Cmos(Func<DateTimeOffset> clock, ulong memoryBytes)
    {
        _clock = clock;
        _ram[RegA] = RegADefault;
        _ram[RegB] = RegBDefault;
        StoreMemorySize(memoryBytes);
    }

    /// <summary>The NMI-disable bit the guest last wrote to port 0x70 (no NMI source is modelled).</summary>
    public bool NmiDisabled
    {
        get
        {
            lock (_lock)
            {
                return _nmiDisabled;
            }
        }
    }

    public void Read(ulong offset, Span<byte> data)
    {
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                ulong port = offset + (ulong)i;
                data[i] = port >= offset && port == DataOffset ? ReadRegister(_index) : (byte)0xff;
            }
        }
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                ulong port = offset + (ulong)i;
                if (port < offset)
                {
                    break; // wrapped past the top of the address space
                }
                if (port == IndexOffset)
                {
                    _index = data[i] & IndexMask;
                    _nmiDisabled = (data[i] & NmiDisableBit) != 0;
                }
                else if (port == DataOffset)
                {
                    WriteRegister(_index, data[i]);
                }
            }
        }
    }

    private byte ReadRegister(int index)
    {
        switch (index)
        {
            case RegSeconds:
            case RegMinutes:
            case RegHours:
            case RegDayOfWeek:
            case RegDayOfMonth:
            case RegMonth:
            case RegYear:
            case RegCentury:
                return ReadTime(index);
            case RegA:
                return (byte)(_ram[RegA] & ~RegAUpdateInProgress); // never mid-update: UIP reads 0
            case RegC:
                return 0; // no interrupt flags: IRQ 8 sources are not modelled
            case RegD:
                return RegDValid;
            default:
                return _ram[index];
        }
    }

    private void WriteRegister(int index, byte value)
    {
        switch (index)
        {
            case RegSeconds:
            case RegMinutes:
            case RegHours:
            case RegDayOfWeek:
            case RegDayOfMonth:
            case RegMonth:
            case RegYear:
            case RegCentury:
                break; // the host clock is the source of truth
            case RegA:
                _ram[RegA] = (byte)(value & ~RegAUpdateInProgress); // UIP is read-only
                break;
            case RegC:
            case RegD:
                break; // read-only
            default:
                _ram[index] = value; // register B, the alarms (0x01, 0x03, 0x05), and plain RAM
                break;
        }
    }

    private byte ReadTime(int index)
    {
        DateTime now = _clock().UtcDateTime;
        byte control = _ram[RegB];
        if (index == RegHours && (control & RegB24Hour) == 0)
        {
            // 12-hour mode: 1..12 with bit 7 for PM (datasheet Table 3).
            int hour12 = now.Hour % 12 == 0 ? 12 : now.Hour % 12;
            return (byte)(Encode(hour12, control) | (now.Hour >= 12 ? HourPm : 0));
        }
        int value = index switch
        {
            RegSeconds => now.Second,
            RegMinutes => now.Minute,
            RegHours => now.Hour,
            RegDayOfWeek => (int)now.DayOfWeek + 1, // 1..7, Sunday = 1
            RegDayOfMonth => now.Day,
            RegMonth => now.Month,
            RegYear => now.Year % 100,
            _ => now.Year / 100, // RegCentury
        };
        return Encode(value, control);
    }

    /// <summary>Binary when register B's DM bit is set, BCD otherwise.</summary>
    private static byte Encode(int value, byte control) =>
        (control & RegBBinary) != 0 ? (byte)value : (byte)(((value / 10) << 4) | (value % 10));

    private void StoreMemorySize(ulong memoryBytes)
    {
        const ulong KiB = 1024;
        const ulong MiB = 1024 * KiB;
        ulong below4G = Math.Min(memoryBytes, Layout.MmioGapStart.Value);
        ulong above4G = memoryBytes - below4G;

        ulong baseKiB = Math.Min(below4G / KiB, 640);
        StoreWord(RegBaseMemoryLow, RegBaseMemoryHigh, baseKiB);

        ulong extendedKiB = below4G > MiB ? Math.Min((below4G - MiB) / KiB, 0xffff) : 0;
        StoreWord(RegExtendedMemoryLow, RegExtendedMemoryHigh, extendedKiB);
        StoreWord(RegExtendedMemoryCopyLow, RegExtendedMemoryCopyHigh, extendedKiB);

        ulong above16MChunks = below4G > 16 * MiB ? Math.Min((below4G - 16 * MiB) / (64 * KiB), 0xffff) : 0;
        StoreWord(RegMemoryAbove16MLow, RegMemoryAbove16MHigh, above16MChunks);

        ulong above4GChunks = Math.Min(above4G / (64 * KiB), 0xff_ffff);
        _ram[RegMemoryAbove4GLow] = (byte)above4GChunks;
        _ram[RegMemoryAbove4GMiddle] = (byte)(above4GChunks >> 8);
        _ram[RegMemoryAbove4GHigh] = (byte)(above4GChunks >> 16);
    }

    private void StoreWord(int lowIndex, int highIndex, ulong value)
    {
        _ram[lowIndex] = (byte)value;
        _ram[highIndex] = (byte)(value >> 8);
    }
}
