using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>
/// Puts a vCPU into real mode, 32-bit protected mode or 64-bit long mode with the tests' own GDT and identity page
/// tables (see <see cref="TinyGuestLayout"/>). Deliberately minimal and independent of the product's vCPU set-up,
/// so these tests exercise the KVM plumbing and not another engineer's register code.
/// </summary>
public static class TinyGuestCpu
{
    private const ulong Cr0Pe = 1UL << 0;
    private const ulong Cr0Pg = 1UL << 31;
    private const ulong Cr4Pae = 1UL << 5;
    private const ulong EferLme = 1UL << 8;
    private const ulong EferLma = 1UL << 10;
    private const ulong PagePresentWritable = 0x3;
    private const ulong PageLarge = 0x80;

    // Segment descriptor type field (S = 1): 0xB = code, execute/read, accessed; 0x3 = data, read/write, accessed.
    private const byte CodeType = 0xb;
    private const byte DataType = 0x3;

    /// <summary>Real mode: CS:IP = 0x1000:0 (the code), DS = ES = 0x2000 (the data area), SS:SP = 0:StackTop.</summary>
    public static void EnterRealMode(Vcpu vcpu)
    {
        KvmSregs sregs = vcpu.GetSregs();
        sregs.Cs = RealModeSegment(TinyGuestLayout.CodeAddress, CodeType);
        sregs.Ds = sregs.Es = RealModeSegment(TinyGuestLayout.DataAddress, DataType);
        sregs.Fs = sregs.Gs = sregs.Ss = RealModeSegment(0, DataType);
        sregs.Cr0 &= ~(Cr0Pe | Cr0Pg);
        sregs.Efer = 0;
        vcpu.SetSregs(sregs);
        vcpu.SetRegs(new KvmRegs { Rip = 0, Rsp = TinyGuestLayout.StackTop, Rflags = 2 });
    }

    /// <summary>32-bit protected mode, flat 4 GiB segments, paging off, entry at the code address.</summary>
    public static void EnterProtectedMode32(Vcpu vcpu, GuestMemory memory)
    {
        WriteGdt(memory);
        KvmSregs sregs = vcpu.GetSregs();
        SetFlatSegments(ref sregs, long64: false);
        sregs.Cr0 = (sregs.Cr0 | Cr0Pe) & ~Cr0Pg;
        sregs.Efer = 0;
        vcpu.SetSregs(sregs);
        vcpu.SetRegs(new KvmRegs { Rip = TinyGuestLayout.CodeAddress, Rsp = TinyGuestLayout.StackTop, Rflags = 2 });
    }

    /// <summary>64-bit long mode, 4 GiB identity-mapped with 2 MiB pages, entry at the code address.</summary>
    public static void EnterLongMode(Vcpu vcpu, GuestMemory memory)
    {
        WriteGdt(memory);
        WriteIdentityPageTables(memory);
        KvmSregs sregs = vcpu.GetSregs();
        SetFlatSegments(ref sregs, long64: true);
        sregs.Cr3 = TinyGuestLayout.Pml4Address;
        sregs.Cr4 |= Cr4Pae;
        sregs.Cr0 |= Cr0Pe | Cr0Pg;
        sregs.Efer |= EferLme | EferLma;
        vcpu.SetSregs(sregs);
        vcpu.SetRegs(new KvmRegs { Rip = TinyGuestLayout.CodeAddress, Rsp = TinyGuestLayout.StackTop, Rflags = 2 });
    }

    /// <summary>Makes every exception undeliverable (IDT limit 0): the first fault escalates to a triple fault.</summary>
    public static void LoadEmptyIdt(Vcpu vcpu)
    {
        KvmSregs sregs = vcpu.GetSregs();
        sregs.Idt = new KvmDtable { Base = 0, Limit = 0 };
        vcpu.SetSregs(sregs);
    }

    /// <summary>The GDT the protected- and long-mode set-ups load (entries as in <see cref="TinyGuestLayout"/>).</summary>
    public static void WriteGdt(GuestMemory memory)
    {
        ulong[] gdt =
        [
            0,
            Descriptor(flags: 0xc, access: 0x9b), // 32-bit code: G, D/B; present, DPL 0, S, execute/read, accessed.
            Descriptor(flags: 0xc, access: 0x93), // data: G, D/B; present, DPL 0, S, read/write, accessed.
            Descriptor(flags: 0xa, access: 0x9b), // 64-bit code: G, L.
        ];
        for (int i = 0; i < gdt.Length; i++)
        {
            memory.Write(new GuestAddress(TinyGuestLayout.GdtAddress + (ulong)i * 8), gdt[i]);
        }
    }

    /// <summary>PML4[0] → PDPT; PDPT[0..3] → four page directories of 2 MiB pages: 0..4 GiB identity-mapped.</summary>
    public static void WriteIdentityPageTables(GuestMemory memory)
    {
        memory.Write(new GuestAddress(TinyGuestLayout.Pml4Address), TinyGuestLayout.PdptAddress | PagePresentWritable);
        for (ulong gib = 0; gib < TinyGuestLayout.MappedGiB; gib++)
        {
            ulong directory = TinyGuestLayout.PageDirectoriesAddress + gib * 0x1000;
            memory.Write(new GuestAddress(TinyGuestLayout.PdptAddress + gib * 8), directory | PagePresentWritable);
            for (ulong entry = 0; entry < 512; entry++)
            {
                ulong physical = (gib << 30) | (entry << 21);
                memory.Write(new GuestAddress(directory + entry * 8), physical | PagePresentWritable | PageLarge);
            }
        }
    }

    private static void SetFlatSegments(ref KvmSregs sregs, bool long64)
    {
        sregs.Gdt = new KvmDtable { Base = TinyGuestLayout.GdtAddress, Limit = 4 * 8 - 1 };
        sregs.Cs = FlatSegment(long64 ? TinyGuestLayout.Code64Selector : TinyGuestLayout.Code32Selector, CodeType, long64);
        sregs.Ds = sregs.Es = sregs.Fs = sregs.Gs = sregs.Ss = FlatSegment(TinyGuestLayout.DataSelector, DataType, long64: false);
    }

    private static KvmSegment FlatSegment(ushort selector, byte type, bool long64) => new()
    {
        Base = 0,
        Limit = 0xffff_ffff,
        Selector = selector,
        Type = type,
        Present = 1,
        Dpl = 0,
        Db = long64 ? (byte)0 : (byte)1,
        S = 1,
        L = long64 ? (byte)1 : (byte)0,
        G = 1,
    };

    private static KvmSegment RealModeSegment(ulong linearBase, byte type) => new()
    {
        Base = linearBase,
        Limit = 0xffff,
        Selector = (ushort)(linearBase >> 4),
        Type = type,
        Present = 1,
        S = 1,
    };

    /// <summary>A flat (base 0, limit 0xfffff pages) segment descriptor with the given flags nibble and access byte.</summary>
    private static ulong Descriptor(ulong flags, ulong access) =>
        0xffffUL | (access << 40) | (0xfUL << 48) | (flags << 52);
}
