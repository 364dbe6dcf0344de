using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// Local APIC set-up with the in-kernel irqchip (after Firecracker's arch/x86_64/interrupts.rs): LINT0 carries the
/// 8259 PIC's INTR as ExtINT and LINT1 the NMI, the virtual-wire wiring of MP spec 1.4 §3.6.2.2 that the MP table
/// describes. kvm_lapic_state holds the APIC register page; register N sits at offset N (SDM Vol. 3A Table 11-1).
/// </summary>
public static class LapicSetup
{
    /// <summary>LVT LINT0 and LINT1 register offsets (SDM Vol. 3A Table 11-1).</summary>
    public const int LvtLint0 = 0x350, LvtLint1 = 0x360;

    /// <summary>LVT delivery mode field, bits 10:8 (SDM Vol. 3A §11.5.1, Figure 11-8).</summary>
    public const uint DeliveryModeMask = 0x700;
    public const uint DeliveryModeFixed = 0, DeliveryModeNmi = 4, DeliveryModeExtInt = 7;

    /// <summary>Routes LINT0 as ExtINT and LINT1 as NMI on <paramref name="vcpu"/>'s in-kernel LAPIC.</summary>
    public static void Configure(Vcpu vcpu)
    {
        KvmLapicState lapic = vcpu.GetLapic();
        SetRegister(ref lapic, LvtLint0, WithDeliveryMode(GetRegister(lapic, LvtLint0), DeliveryModeExtInt));
        SetRegister(ref lapic, LvtLint1, WithDeliveryMode(GetRegister(lapic, LvtLint1), DeliveryModeNmi));
        vcpu.SetLapic(lapic);
    }

    /// <summary><paramref name="lvt"/> with its delivery mode replaced by <paramref name="mode"/>.</summary>
    public static uint WithDeliveryMode(uint lvt, uint mode) => (lvt & ~DeliveryModeMask) | ((mode << 8) & DeliveryModeMask);

    /// <summary>The delivery mode field of an LVT entry.</summary>
    public static uint DeliveryMode(uint lvt) => (lvt & DeliveryModeMask) >> 8;

    /// <summary>The 32-bit APIC register at <paramref name="offset"/> (little-endian, 4-byte aligned).</summary>
    public static uint GetRegister(in KvmLapicState state, int offset)
    {
        CheckOffset(offset);
        ReadOnlySpan<byte> page = MemoryMarshal.AsBytes(new ReadOnlySpan<KvmLapicState>(in state));
        return BinaryPrimitives.ReadUInt32LittleEndian(page.Slice(offset, 4));
    }

    public static void SetRegister(ref KvmLapicState state, int offset, uint value)
    {
        CheckOffset(offset);
        Span<byte> page = MemoryMarshal.AsBytes(new Span<KvmLapicState>(ref state));
        BinaryPrimitives.WriteUInt32LittleEndian(page.Slice(offset, 4), value);
    }

    private static void CheckOffset(int offset)
    {
        if (offset < 0 || offset > 1024 - 4 || offset % 4 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "an APIC register offset is 4-byte aligned and inside the 1 KiB page");
        }
    }
}
