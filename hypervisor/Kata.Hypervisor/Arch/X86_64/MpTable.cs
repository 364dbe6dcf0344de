using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// The Intel MultiProcessor table (MP spec 1.4, chapter 4), modelled on Firecracker's arch/x86_64/mptable.rs: how
/// the guest kernel learns its vCPUs' APIC ids, the I/O APIC and how ISA IRQs 0..23 reach it, without ACPI.
/// The floating pointer sits at <see cref="Layout.EbdaStart"/>, in the last KiB of base memory where Linux's
/// smp_scan_config() looks (MP spec §4: "the last kilobyte of system base memory"); the configuration table follows
/// it. A large guest's table runs past 0xa0000 into the legacy VGA/BIOS area, as Firecracker's does; that area is
/// guest RAM here, is reported reserved in e820 (<see cref="Boot.E820Map"/>), and the configuration table may be
/// anywhere (§4.1, PHYSICAL ADDRESS POINTER), so the limit is 1 MiB, where the kernel goes.
/// </summary>
public static class MpTable
{
    /// <summary>
    /// xAPIC ids are 8 bits, 0xff is broadcast and the I/O APIC takes one id: 254 vCPUs at most (as Firecracker).
    /// </summary>
    public const int MaxVcpus = 254;
    /// <summary>ISA IRQs 0..23 map to I/O APIC pins 0..23, as KVM's default routing (kvm_setup_default_irq_routing).</summary>
    public const int IoApicPins = 24;
    /// <summary>Local APIC version KVM reports (arch/x86/kvm/lapic.c, APIC_VERSION 0x14).</summary>
    public const byte LocalApicVersion = 0x14;
    /// <summary>I/O APIC version KVM's in-kernel I/O APIC reports (arch/x86/kvm/ioapic.h, IOAPIC_VERSION_ID 0x11).</summary>
    public const byte IoApicVersion = 0x11;
    /// <summary>CPU signature: family 6 (Firecracker's CPU_STEPPING).</summary>
    public const uint CpuSignature = 0x600;
    /// <summary>CPUID.1:EDX bits the OS may rely on: APIC (bit 9) and FPU (bit 0), as Firecracker.</summary>
    public const uint CpuFeatureFlags = 0x200 | 0x001;
    public const byte MpSpecRevision = 4;

    private static ReadOnlySpan<byte> OemId => "KATA    "u8;
    private static ReadOnlySpan<byte> ProductId => "kata-style  "u8;
    private static ReadOnlySpan<byte> BusTypeIsa => "ISA   "u8;

    /// <summary>Bytes the floating pointer and configuration table take for <paramref name="vcpus"/> vCPUs.</summary>
    public static int Size(int vcpus) =>
        Unsafe.SizeOf<MpTableFloatingPointer>()
        + Unsafe.SizeOf<MpTableConfigHeader>()
        + vcpus * Unsafe.SizeOf<MpTableProcessorEntry>()
        + Unsafe.SizeOf<MpTableBusEntry>()
        + Unsafe.SizeOf<MpTableIoApicEntry>()
        + IoApicPins * Unsafe.SizeOf<MpTableInterruptEntry>()
        + 2 * Unsafe.SizeOf<MpTableInterruptEntry>();

    /// <summary>Writes the table for <paramref name="vcpus"/> vCPUs (APIC ids 0..vcpus-1, the boot vCPU is 0).</summary>
    public static void Write(GuestMemory memory, int vcpus)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if (vcpus < 1 || vcpus > MaxVcpus)
        {
            throw new MpTableException($"the MP table describes 1..{MaxVcpus} vCPUs (8-bit xAPIC ids), not {vcpus}");
        }
        GuestAddress start = Layout.EbdaStart;
        int size = Size(vcpus);
        if (start.Value + (ulong)size > Layout.HighMemoryStart.Value)
        {
            throw new MpTableException(
                $"the MP table for {vcpus} vCPUs ({size} bytes at {start}) runs past {Layout.HighMemoryStart}, where the kernel goes");
        }
        if (!memory.IsValidRange(start, (ulong)size))
        {
            throw new MpTableException($"the MP table ({size} bytes at {start}) is not in guest RAM");
        }
        memory.Write(start, Build(start, vcpus));
    }

    /// <summary>The table's bytes as they go at <paramref name="start"/>.</summary>
    internal static byte[] Build(GuestAddress start, int vcpus)
    {
        var table = new byte[Size(vcpus)];
        int floatingSize = Unsafe.SizeOf<MpTableFloatingPointer>();
        int headerSize = Unsafe.SizeOf<MpTableConfigHeader>();
        byte ioApicId = (byte)vcpus; // the first id after the processors' 0..vcpus-1
        int offset = floatingSize + headerSize;
        ushort entries = 0;

        for (int cpu = 0; cpu < vcpus; cpu++)
        {
            Append(table, ref offset, ref entries, new MpTableProcessorEntry
            {
                EntryType = MpTableEntryType.Processor,
                LocalApicId = (byte)cpu,
                LocalApicVersion = LocalApicVersion,
                CpuFlags = (byte)(MpTableProcessorEntry.FlagEnabled | (cpu == 0 ? MpTableProcessorEntry.FlagBootstrap : 0)),
                CpuSignature = CpuSignature,
                FeatureFlags = CpuFeatureFlags,
            });
        }

        var bus = new MpTableBusEntry { EntryType = MpTableEntryType.Bus, BusId = 0 };
        unsafe
        {
            BusTypeIsa.CopyTo(new Span<byte>(bus.BusType, 6));
        }
        Append(table, ref offset, ref entries, bus);

        Append(table, ref offset, ref entries, new MpTableIoApicEntry
        {
            EntryType = MpTableEntryType.IoApic,
            IoApicId = ioApicId,
            IoApicVersion = IoApicVersion,
            Flags = MpTableIoApicEntry.FlagEnabled,
            Address = (uint)Layout.IoapicStart.Value,
        });

        for (int irq = 0; irq < IoApicPins; irq++)
        {
            Append(table, ref offset, ref entries, new MpTableInterruptEntry
            {
                EntryType = MpTableEntryType.IoInterruptAssignment,
                InterruptType = MpTableInterruptEntry.TypeInt,
                Flags = MpTableInterruptEntry.FlagsConformToBus,
                SourceBusId = 0,
                SourceBusIrq = (byte)irq,
                DestinationApicId = ioApicId,
                DestinationPin = (byte)irq,
            });
        }

        // Virtual wire mode (MP spec §3.6.2.2, §5.1): the 8259 PIC's output on every LINT0 as ExtINT, NMI on LINT1.
        Append(table, ref offset, ref entries, new MpTableInterruptEntry
        {
            EntryType = MpTableEntryType.LocalInterruptAssignment,
            InterruptType = MpTableInterruptEntry.TypeExtInt,
            Flags = MpTableInterruptEntry.FlagsConformToBus,
            DestinationApicId = 0,
            DestinationPin = 0,
        });
        Append(table, ref offset, ref entries, new MpTableInterruptEntry
        {
            EntryType = MpTableEntryType.LocalInterruptAssignment,
            InterruptType = MpTableInterruptEntry.TypeNmi,
            Flags = MpTableInterruptEntry.FlagsConformToBus,
            DestinationApicId = MpTableInterruptEntry.AllLocalApics,
            DestinationPin = 1,
        });

        var header = new MpTableConfigHeader
        {
            Signature = MpTableConfigHeader.SignatureValue,
            BaseTableLength = (ushort)(offset - floatingSize),
            SpecRev = MpSpecRevision,
            EntryCount = entries,
            LocalApicAddress = (uint)Layout.LapicStart.Value,
        };
        unsafe
        {
            OemId.CopyTo(new Span<byte>(header.OemId, 8));
            ProductId.CopyTo(new Span<byte>(header.ProductId, 12));
        }
        MemoryMarshal.Write(table.AsSpan(floatingSize), in header);
        Span<byte> configTable = table.AsSpan(floatingSize, header.BaseTableLength);
        configTable[7] = ChecksumByte(configTable); // MpTableConfigHeader.Checksum

        var pointer = new MpTableFloatingPointer
        {
            Signature = MpTableFloatingPointer.SignatureValue,
            PhysicalAddressPointer = checked((uint)(start.Value + (ulong)floatingSize)),
            Length = 1,
            SpecRev = MpSpecRevision,
        };
        MemoryMarshal.Write(table, in pointer);
        Span<byte> floating = table.AsSpan(0, floatingSize);
        floating[10] = ChecksumByte(floating); // MpTableFloatingPointer.Checksum
        return table;
    }

    private static void Append<T>(byte[] table, ref int offset, ref ushort entries, T entry) where T : unmanaged
    {
        MemoryMarshal.Write(table.AsSpan(offset), in entry);
        offset += Unsafe.SizeOf<T>();
        entries++;
    }

    /// <summary>The byte that makes <paramref name="bytes"/> (with its checksum byte still 0) sum to 0 mod 256.</summary>
    private static byte ChecksumByte(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (byte b in bytes)
        {
            sum += b;
        }
        return (byte)-sum;
    }
}
