namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>Base MP configuration table entry types (Intel MP spec 1.4, table 4-3).</summary>
public enum MpTableEntryType : byte
{
    Processor = 0,
    Bus = 1,
    IoApic = 2,
    IoInterruptAssignment = 3,
    LocalInterruptAssignment = 4,
}
