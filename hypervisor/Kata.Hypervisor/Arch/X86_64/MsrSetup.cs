using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// The MSR values a vCPU boots Linux with, after Firecracker's arch/x86_64/msr.rs create_boot_msr_entries:
/// the SYSENTER/SYSCALL entry points cleared (the kernel programs them itself), the TSC at 0, fast strings on,
/// and the MTRRs enabled with write-back as the default memory type.
/// </summary>
public static class MsrSetup
{
    /// <summary>The boot MSR list, in the order it is written.</summary>
    public static KvmMsrEntry[] BootEntries() =>
    [
        Entry(MsrIndex.Ia32SysenterCs, 0),
        Entry(MsrIndex.Ia32SysenterEsp, 0),
        Entry(MsrIndex.Ia32SysenterEip, 0),
        // 64-bit SYSCALL state (AMD APM Vol. 2 §6.1.1; SDM Vol. 3A §5.8.8).
        Entry(MsrIndex.Star, 0),
        Entry(MsrIndex.Cstar, 0),
        Entry(MsrIndex.KernelGsBase, 0),
        Entry(MsrIndex.SyscallMask, 0),
        Entry(MsrIndex.Lstar, 0),
        Entry(MsrIndex.Ia32Tsc, 0),
        Entry(MsrIndex.Ia32MiscEnable, MsrIndex.MiscEnableFastString),
        Entry(MsrIndex.Ia32MtrrDefType, MsrIndex.MtrrDefTypeEnable | MsrIndex.MtrrMemoryTypeWriteBack),
    ];

    /// <summary>
    /// Writes <see cref="BootEntries"/> to <paramref name="vcpu"/> and returns the indices that were not applied
    /// (for the caller to log): those KVM does not list in KVM_GET_MSR_INDEX_LIST (except the MTRRs, which it
    /// emulates without listing them), and those KVM_SET_MSRS refused.
    /// </summary>
    public static uint[] Configure(Vcpu vcpu, KvmSystem kvm) => Apply(vcpu, BootEntries(), kvm.GetMsrIndexList());

    /// <summary>
    /// Writes <paramref name="entries"/> and returns the indices not applied. When <paramref name="knownIndices"/>
    /// is given, entries outside it (MTRRs excepted) are skipped up front. KVM_SET_MSRS stops at the first entry it
    /// refuses and returns how many it wrote (Documentation/virt/kvm/api.rst §4.19), so a refusal is recorded and
    /// the write resumes after it.
    /// </summary>
    public static uint[] Apply(Vcpu vcpu, ReadOnlySpan<KvmMsrEntry> entries, ReadOnlySpan<uint> knownIndices = default)
    {
        var refused = new List<uint>();
        var toWrite = new List<KvmMsrEntry>(entries.Length);
        foreach (KvmMsrEntry entry in entries)
        {
            if (knownIndices.IsEmpty || knownIndices.Contains(entry.Index) || MsrIndex.IsMtrr(entry.Index))
            {
                toWrite.Add(entry);
            }
            else
            {
                refused.Add(entry.Index);
            }
        }

        ReadOnlySpan<KvmMsrEntry> remaining = toWrite.ToArray();
        while (!remaining.IsEmpty)
        {
            int written = vcpu.SetMsrs(remaining);
            if (written >= remaining.Length)
            {
                break;
            }
            refused.Add(remaining[written].Index);
            remaining = remaining[(written + 1)..];
        }
        return refused.ToArray();
    }

    private static KvmMsrEntry Entry(uint index, ulong data) => new() { Index = index, Data = data };
}
