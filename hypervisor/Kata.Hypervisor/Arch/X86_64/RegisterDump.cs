using System.Text;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// A human-readable snapshot of a vCPU's registers for triple faults (KVM_EXIT_SHUTDOWN), failed entries and KVM
/// internal errors. Never throws: a KVM_GET_* that fails is reported in the text instead.
/// </summary>
public static class RegisterDump
{
    private static readonly string[] RflagsNames =
        ["CF", "", "PF", "", "AF", "", "ZF", "SF", "TF", "IF", "DF", "OF"];

    private static readonly string[] Cr0Names =
        ["PE", "MP", "EM", "TS", "ET", "NE", "", "", "", "", "", "", "", "", "", "", "WP", "", "AM", "", "", "", "", "", "", "", "", "", "", "NW", "CD", "PG"];

    private static readonly string[] Cr4Names =
        ["VME", "PVI", "TSD", "DE", "PSE", "PAE", "MCE", "PGE", "PCE", "OSFXSR", "OSXMMEXCPT", "UMIP", "LA57", "VMXE", "SMXE", "",
         "FSGSBASE", "PCIDE", "OSXSAVE", "", "SMEP", "SMAP", "PKE", "CET", "PKS"];

    private static readonly string[] EferNames = ["SCE", "", "", "", "", "", "", "", "LME", "", "LMA", "NXE", "SVME", "LMSLE", "FFXSR", "TCE"];

    public static string Format(Vcpu vcpu)
    {
        var text = new StringBuilder();
        uint id;
        try
        {
            id = vcpu.Id;
        }
        catch (Exception e)
        {
            return $"vCPU registers unavailable: {e.Message}";
        }
        text.Append("vCPU ").Append(id).AppendLine(" registers:");
        try
        {
            text.Append(FormatRegisters(vcpu.GetRegs()));
        }
        catch (Exception e)
        {
            text.Append("  general registers unavailable: ").AppendLine(e.Message);
        }
        try
        {
            text.Append(FormatSpecialRegisters(vcpu.GetSregs()));
        }
        catch (Exception e)
        {
            text.Append("  special registers unavailable: ").AppendLine(e.Message);
        }
        return text.ToString();
    }

    /// <summary>RIP, RSP, RFLAGS (decoded) and the general registers.</summary>
    public static string FormatRegisters(in KvmRegs regs)
    {
        var text = new StringBuilder();
        text.Append($"  rip={regs.Rip:x16} rsp={regs.Rsp:x16} rflags={regs.Rflags:x8} [{Flags(regs.Rflags, RflagsNames)}]").AppendLine();
        text.Append($"  rax={regs.Rax:x16} rbx={regs.Rbx:x16} rcx={regs.Rcx:x16} rdx={regs.Rdx:x16}").AppendLine();
        text.Append($"  rsi={regs.Rsi:x16} rdi={regs.Rdi:x16} rbp={regs.Rbp:x16}").AppendLine();
        text.Append($"  r8 ={regs.R8:x16} r9 ={regs.R9:x16} r10={regs.R10:x16} r11={regs.R11:x16}").AppendLine();
        text.Append($"  r12={regs.R12:x16} r13={regs.R13:x16} r14={regs.R14:x16} r15={regs.R15:x16}").AppendLine();
        return text.ToString();
    }

    /// <summary>Control registers and EFER (decoded), the operating mode, segments, GDTR and IDTR.</summary>
    public static string FormatSpecialRegisters(in KvmSregs sregs)
    {
        var text = new StringBuilder();
        text.Append($"  mode: {Mode(sregs)}").AppendLine();
        text.Append($"  cr0={sregs.Cr0:x8} [{Flags(sregs.Cr0, Cr0Names)}] cr2={sregs.Cr2:x16} cr3={sregs.Cr3:x16}").AppendLine();
        text.Append($"  cr4={sregs.Cr4:x8} [{Flags(sregs.Cr4, Cr4Names)}] cr8={sregs.Cr8:x} efer={sregs.Efer:x} [{Flags(sregs.Efer, EferNames)}] apic_base={sregs.ApicBase:x}").AppendLine();
        AppendSegment(text, "cs", sregs.Cs);
        AppendSegment(text, "ss", sregs.Ss);
        AppendSegment(text, "ds", sregs.Ds);
        AppendSegment(text, "es", sregs.Es);
        AppendSegment(text, "fs", sregs.Fs);
        AppendSegment(text, "gs", sregs.Gs);
        AppendSegment(text, "tr", sregs.Tr);
        AppendSegment(text, "ldt", sregs.Ldt);
        text.Append($"  gdt base={sregs.Gdt.Base:x16} limit={sregs.Gdt.Limit:x4}").AppendLine();
        text.Append($"  idt base={sregs.Idt.Base:x16} limit={sregs.Idt.Limit:x4}").AppendLine();
        return text.ToString();
    }

    /// <summary>The operating mode implied by CR0.PE, EFER.LMA and CS.L/D (SDM Vol. 3A §2.2 "Modes of Operation").</summary>
    public static string Mode(in KvmSregs sregs)
    {
        if ((sregs.Cr0 & ControlRegisters.Cr0Pe) == 0)
        {
            return "real";
        }
        bool paging = (sregs.Cr0 & ControlRegisters.Cr0Pg) != 0;
        if ((sregs.Efer & ControlRegisters.EferLma) != 0)
        {
            return sregs.Cs.L == 1 ? "64-bit (IA-32e)" : $"compatibility (IA-32e), {(sregs.Cs.Db == 1 ? 32 : 16)}-bit code";
        }
        return $"{(sregs.Cs.Db == 1 ? 32 : 16)}-bit protected, paging {(paging ? "on" : "off")}";
    }

    private static void AppendSegment(StringBuilder text, string name, in KvmSegment s) =>
        text.Append($"  {name,-3} sel={s.Selector:x4} base={s.Base:x16} limit={s.Limit:x8} type={s.Type:x} " +
                    $"p={s.Present} dpl={s.Dpl} db={s.Db} s={s.S} l={s.L} g={s.G} avl={s.Avl} unusable={s.Unusable}").AppendLine();

    private static string Flags(ulong value, string[] names)
    {
        var set = new List<string>();
        for (int bit = 0; bit < names.Length; bit++)
        {
            if ((value & (1UL << bit)) != 0 && names[bit].Length > 0)
            {
                set.Add(names[bit]);
            }
        }
        return string.Join(' ', set);
    }
}
