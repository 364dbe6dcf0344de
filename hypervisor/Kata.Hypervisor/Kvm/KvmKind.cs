namespace Kata.Hypervisor.Kvm;

/// <summary>Which KVM implementation backs /dev/kvm.</summary>
public enum KvmKind
{
    /// <summary>No usable /dev/kvm.</summary>
    None,
    /// <summary>Hardware virtualization (kvm_intel / kvm_amd): guest CPL0 code runs natively.</summary>
    Hardware,
    /// <summary>
    /// kvm_pvm: paging-based virtualization without VT-x/AMD-V. Guest CPL3 runs natively, guest CPL0 is emulated
    /// instruction by instruction (about 2 MIPS here) and some instructions are not emulated at all.
    /// </summary>
    Pvm,
}
