using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// The boot vCPU's general and special registers for each entry protocol (after Firecracker's arch/x86_64/regs.rs).
/// Segment, descriptor table and control register state starts from KVM_GET_SREGS so that what this code does not
/// own (APIC base, LDT, the pending-interrupt bitmap) keeps KVM's reset values.
/// </summary>
public static class RegisterSetup
{
    /// <summary>CR0 after RESET (SDM Vol. 3A §10.1.1, Table 10-1): CD, NW and ET set.</summary>
    public const ulong Cr0AtReset = ControlRegisters.Cr0Cd | ControlRegisters.Cr0Nw | ControlRegisters.Cr0Et;

    /// <summary>Sets up <paramref name="vcpu"/> to enter at <paramref name="entry"/> with <paramref name="protocol"/>.</summary>
    public static void Configure(Vcpu vcpu, GuestMemory memory, BootProtocol protocol, GuestAddress entry)
    {
        switch (protocol)
        {
            case BootProtocol.Linux64:
                ConfigureLinux64(vcpu, memory, entry);
                break;
            case BootProtocol.Pvh:
                ConfigurePvh(vcpu, memory, entry);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "unknown boot protocol");
        }
    }

    /// <summary>
    /// Linux 64-bit boot protocol (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"): long mode with paging,
    /// an identity map covering the kernel and boot data, CS = __BOOT_CS, DS/ES/SS = __BOOT_DS, interrupts off,
    /// %rsi = boot_params. Writes the GDT, null IDT and page tables into <paramref name="memory"/>.
    /// </summary>
    public static void ConfigureLinux64(Vcpu vcpu, GuestMemory memory, GuestAddress entry)
    {
        if (entry.Value >= PageTables.IdentityMappedBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), entry, "a 64-bit entry point must lie in the identity-mapped first 1 GiB");
        }
        Gdt.Write(memory, BootProtocol.Linux64);
        ulong cr3 = PageTables.Write(memory);

        ulong[] gdt = Gdt.Table(BootProtocol.Linux64);
        KvmSregs sregs = vcpu.GetSregs();
        KvmSegment code = Gdt.Segment(gdt, Gdt.Linux64CodeSelector);
        KvmSegment data = Gdt.Segment(gdt, Gdt.Linux64DataSelector);
        sregs.Cs = code;
        sregs.Ds = sregs.Es = sregs.Fs = sregs.Gs = sregs.Ss = data;
        sregs.Tr = Gdt.Segment(gdt, Gdt.Linux64TssSelector);
        sregs.Gdt = Gdt.GdtRegister;
        sregs.Idt = Gdt.IdtRegister;
        // IA-32e mode needs PE, PG, PAE and EFER.LME; KVM_SET_SREGS takes LMA as given rather than deriving it
        // (SDM Vol. 3A §10.8.5 "Initializing IA-32e Mode"). CD/NW are cleared: caching on, as the kernel expects.
        sregs.Cr0 = ControlRegisters.Cr0Pe | ControlRegisters.Cr0Et | ControlRegisters.Cr0Pg;
        sregs.Cr2 = 0;
        sregs.Cr3 = cr3;
        sregs.Cr4 = ControlRegisters.Cr4Pae;
        sregs.Cr8 = 0;
        sregs.Efer = ControlRegisters.EferLme | ControlRegisters.EferLma;
        vcpu.SetSregs(sregs);

        vcpu.SetRegs(new KvmRegs
        {
            Rip = entry.Value,
            Rsi = Layout.ZeroPageStart.Value,
            Rsp = Layout.BootStackPointer.Value,
            Rbp = Layout.BootStackPointer.Value,
            Rflags = ControlRegisters.RflagsReserved,
        });
    }

    /// <summary>
    /// PVH (xen docs/misc/pvh.pandoc; Linux arch/x86/platform/pvh/head.S): 32-bit protected mode, paging off, flat
    /// 4 GiB code and data segments, TR a 32-bit TSS, %ebx = hvm_start_info, interrupts off. Writes the GDT and null
    /// IDT into <paramref name="memory"/>.
    /// </summary>
    public static void ConfigurePvh(Vcpu vcpu, GuestMemory memory, GuestAddress entry)
    {
        if (entry.Value > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), entry, "a PVH entry point is a 32-bit physical address");
        }
        Gdt.Write(memory, BootProtocol.Pvh);

        ulong[] gdt = Gdt.Table(BootProtocol.Pvh);
        KvmSregs sregs = vcpu.GetSregs();
        KvmSegment data = Gdt.Segment(gdt, Gdt.PvhDataSelector);
        sregs.Cs = Gdt.Segment(gdt, Gdt.PvhCodeSelector);
        sregs.Ds = sregs.Es = sregs.Fs = sregs.Gs = sregs.Ss = data;
        sregs.Tr = Gdt.Segment(gdt, Gdt.PvhTssSelector);
        sregs.Gdt = Gdt.GdtRegister;
        sregs.Idt = Gdt.IdtRegister;
        sregs.Cr0 = ControlRegisters.Cr0Pe | ControlRegisters.Cr0Et;
        sregs.Cr2 = 0;
        sregs.Cr3 = 0;
        sregs.Cr4 = 0;
        sregs.Cr8 = 0;
        sregs.Efer = 0;
        vcpu.SetSregs(sregs);

        vcpu.SetRegs(new KvmRegs
        {
            Rip = entry.Value,
            Rbx = Layout.PvhInfoStart.Value,
            Rflags = ControlRegisters.RflagsReserved,
        });
    }

    /// <summary>
    /// Real mode at <paramref name="csBase"/>:<paramref name="ip"/> (for test guests): the RESET state of
    /// SDM Vol. 3A §10.1.1 Table 10-1, except that CS addresses <paramref name="csBase"/> (selector = base / 16).
    /// </summary>
    public static void ConfigureRealMode(Vcpu vcpu, GuestAddress csBase, ushort ip)
    {
        if (csBase.Value % 16 != 0 || csBase.Value > 0xffff0)
        {
            throw new ArgumentOutOfRangeException(nameof(csBase), csBase, "a real-mode segment base is a multiple of 16 below 1 MiB");
        }
        KvmSregs sregs = vcpu.GetSregs();
        sregs.Cs = RealModeSegment((ushort)(csBase.Value >> 4), type: 0xb);
        sregs.Ds = sregs.Es = sregs.Fs = sregs.Gs = sregs.Ss = RealModeSegment(0, type: 0x3);
        sregs.Tr = new KvmSegment { Limit = 0xffff, Type = 0xb, Present = 1 };
        sregs.Gdt = new KvmDtable { Limit = 0xffff };
        sregs.Idt = new KvmDtable { Limit = 0xffff };
        sregs.Cr0 = Cr0AtReset;
        sregs.Cr2 = 0;
        sregs.Cr3 = 0;
        sregs.Cr4 = 0;
        sregs.Cr8 = 0;
        sregs.Efer = 0;
        vcpu.SetSregs(sregs);
        vcpu.SetRegs(new KvmRegs { Rip = ip, Rflags = ControlRegisters.RflagsReserved });
    }

    private static KvmSegment RealModeSegment(ushort selector, byte type) => new()
    {
        Base = (ulong)selector << 4,
        Limit = 0xffff,
        Selector = selector,
        Type = type,
        Present = 1,
        S = 1,
    };
}
