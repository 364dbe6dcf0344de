using System.Numerics;
using Kata.Hypervisor.Interop;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// Turns the CPUID table KVM offers (KVM_GET_SUPPORTED_CPUID) into the table one vCPU gets (KVM_SET_CPUID2), after
/// Firecracker's cpu_config/x86_64/cpuid normalize: this vCPU's APIC ids, a topology of <c>vcpuCount</c> single-thread
/// cores in one package, the hypervisor bit and KVM signature, and no host features a guest cannot use (power
/// management, performance monitoring, VMX/SMX, debug store). A pure function of its inputs.
/// Bit positions: Intel SDM Vol. 2A, CPUID, Tables 3-8 to 3-20; AMD APM Vol. 3 Appendix E.
/// </summary>
public static class CpuidFilter
{
    /// <summary>As VmConfig allows: 8-bit xAPIC ids, 0xFF being the broadcast id.</summary>
    public const int MaxVcpuCount = 254;

    /// <summary>KVM's paravirtual leaves (Documentation/virt/kvm/x86/cpuid.rst).</summary>
    public const uint HypervisorSignatureLeaf = 0x4000_0000, KvmFeaturesLeaf = 0x4000_0001;

    /// <summary>"KVMKVMKVM\0\0\0" in EBX, ECX, EDX of leaf 0x4000_0000.</summary>
    public const uint KvmSignatureEbx = 0x4b4d_564b, KvmSignatureEcx = 0x564b_4d56, KvmSignatureEdx = 0x0000_004d;

    // CPUID.01H:ECX bits (SDM Vol. 2A Table 3-10).
    public const int Leaf1EcxDtes64 = 2, Leaf1EcxMonitor = 3, Leaf1EcxDsCpl = 4, Leaf1EcxVmx = 5, Leaf1EcxSmx = 6,
        Leaf1EcxEst = 7, Leaf1EcxTm2 = 8, Leaf1EcxPdcm = 15, Leaf1EcxTscDeadline = 24, Leaf1EcxHypervisor = 31;

    // CPUID.01H:EDX bits (SDM Vol. 2A Table 3-11).
    public const int Leaf1EdxDs = 21, Leaf1EdxAcpi = 22, Leaf1EdxHtt = 28, Leaf1EdxTm = 29, Leaf1EdxPbe = 31;

    /// <summary>CPUID.06H:EAX[2] ARAT: the APIC timer keeps running in deep C-states (KVM always offers it).</summary>
    public const uint Leaf6EaxArat = 1u << 2;

    /// <summary>CPUID.0BH:ECX[15:8] domain types (SDM Vol. 2A Table 3-8, leaf 0BH).</summary>
    public const uint TopologyDomainInvalid = 0, TopologyDomainSmt = 1, TopologyDomainCore = 2;

    private const uint Leaf1EcxMasked = (1u << Leaf1EcxDtes64) | (1u << Leaf1EcxMonitor) | (1u << Leaf1EcxDsCpl)
        | (1u << Leaf1EcxVmx) | (1u << Leaf1EcxSmx) | (1u << Leaf1EcxEst) | (1u << Leaf1EcxTm2) | (1u << Leaf1EcxPdcm);

    private const uint Leaf1EdxMasked = (1u << Leaf1EdxDs) | (1u << Leaf1EdxAcpi) | (1u << Leaf1EdxTm) | (1u << Leaf1EdxPbe);

    public static KvmCpuidEntry2[] Filter(ReadOnlySpan<KvmCpuidEntry2> supported, uint vcpuId, int vcpuCount)
    {
        if (vcpuCount < 1 || vcpuCount > MaxVcpuCount)
        {
            throw new ArgumentOutOfRangeException(nameof(vcpuCount), vcpuCount, $"1..{MaxVcpuCount} vCPUs");
        }
        if (vcpuId >= (uint)vcpuCount)
        {
            throw new ArgumentOutOfRangeException(nameof(vcpuId), vcpuId, $"vCPU ids run from 0 to {vcpuCount - 1}");
        }

        var entries = new List<KvmCpuidEntry2>(supported.Length + 4);
        KvmCpuidEntry2? kvmFeatures = null;
        foreach (KvmCpuidEntry2 entry in supported)
        {
            // The hypervisor range 0x4000_0000..0x4FFF_FFFF is rebuilt below: KVM's signature and features only.
            if (entry.Function is >= HypervisorSignatureLeaf and <= 0x4fff_ffff)
            {
                if (entry.Function == KvmFeaturesLeaf)
                {
                    kvmFeatures = entry;
                }
                continue;
            }
            entries.Add(entry);
        }

        uint maxBasicLeaf = 0;
        bool amd = false;
        int leaf0 = Find(entries, 0, 0);
        if (leaf0 >= 0)
        {
            maxBasicLeaf = entries[leaf0].Eax;
            amd = IsAmdLike(entries[leaf0]);
        }

        var count = (uint)vcpuCount;
        // The smallest power of two ≥ count: APIC id space reserved for the package, and its width in bits.
        uint idSpace = BitOperations.RoundUpToPowerOf2(count);
        uint idBits = (uint)BitOperations.Log2(idSpace);

        UpdateFeatureInformation(entries, vcpuId, count, idSpace);
        UpdateDeterministicCache(entries, 0x4, count);
        UpdatePowerManagement(entries);
        UpdateStructuredExtendedFeatures(entries, amd);
        Zero(entries, 0xa);
        if (maxBasicLeaf >= 0xb || Contains(entries, 0xb))
        {
            ReplaceTopology(entries, 0xb, vcpuId, count, idBits);
        }
        if (Contains(entries, 0x1f))
        {
            ReplaceTopology(entries, 0x1f, vcpuId, count, idBits);
        }
        if (amd)
        {
            UpdateAmdTopology(entries, vcpuId, count, idBits);
        }

        // KVM's signature leaf (Documentation/virt/kvm/x86/cpuid.rst): EAX is the highest hypervisor leaf.
        entries.Add(new KvmCpuidEntry2
        {
            Function = HypervisorSignatureLeaf,
            Eax = KvmFeaturesLeaf,
            Ebx = KvmSignatureEbx,
            Ecx = KvmSignatureEcx,
            Edx = KvmSignatureEdx,
        });
        // KVM_FEATURE_* in EAX and KVM_HINTS_* in EDX, exactly as this host's KVM offers them (none if it does not).
        KvmCpuidEntry2 features = kvmFeatures ?? new KvmCpuidEntry2();
        features.Function = KvmFeaturesLeaf;
        features.Index = 0;
        features.Flags = 0;
        entries.Add(features);

        return entries.ToArray();
    }

    private static void UpdateFeatureInformation(List<KvmCpuidEntry2> entries, uint vcpuId, uint count, uint idSpace)
    {
        int i = Find(entries, 0x1, 0);
        if (i < 0)
        {
            return;
        }
        KvmCpuidEntry2 leaf = entries[i];
        // EBX[15:8] CLFLUSH line size in 8-byte units (64 bytes); EBX[23:16] addressable logical processor ids in
        // the package (valid with HTT), 8 bits; EBX[31:24] initial APIC id.
        leaf.Ebx = SetField(leaf.Ebx, 8, 8, 8);
        leaf.Ebx = SetField(leaf.Ebx, 16, 8, Math.Min(idSpace, 0xff));
        leaf.Ebx = SetField(leaf.Ebx, 24, 8, vcpuId);
        leaf.Ecx &= ~Leaf1EcxMasked;
        // The in-kernel LAPIC always implements the TSC-deadline timer (KVM_CAP_TSC_DEADLINE_TIMER), which
        // KVM_GET_SUPPORTED_CPUID does not report; Firecracker sets it the same way.
        leaf.Ecx |= 1u << Leaf1EcxTscDeadline;
        leaf.Ecx |= 1u << Leaf1EcxHypervisor;
        leaf.Edx &= ~Leaf1EdxMasked;
        leaf.Edx = count > 1 ? leaf.Edx | (1u << Leaf1EdxHtt) : leaf.Edx & ~(1u << Leaf1EdxHtt);
        entries[i] = leaf;
    }

    /// <summary>
    /// Intel leaf 4 and AMD leaf 0x8000_001D (same layout of EAX): L1/L2 belong to one single-thread core,
    /// L3 is shared by the whole package.
    /// </summary>
    private static void UpdateDeterministicCache(List<KvmCpuidEntry2> entries, uint function, uint count)
    {
        for (int i = 0; i < entries.Count; i++)
        {
            KvmCpuidEntry2 leaf = entries[i];
            // EAX[4:0] cache type 0 marks the end of the list.
            if (leaf.Function != function || (leaf.Eax & 0x1f) == 0)
            {
                continue;
            }
            uint level = (leaf.Eax >> 5) & 0x7;
            // EAX[25:14]: logical processors sharing this cache, minus one.
            uint sharing = level >= 3 ? count - 1 : 0;
            leaf.Eax = SetField(leaf.Eax, 14, 12, sharing);
            if (function == 0x4)
            {
                // EAX[31:26]: addressable core ids in the package, minus one (6 bits).
                leaf.Eax = SetField(leaf.Eax, 26, 6, Math.Min(count - 1, 63));
            }
            entries[i] = leaf;
        }
    }

    /// <summary>Leaf 6: no turbo, HWP, EPB or thermal interface for a guest; only ARAT, which KVM emulates.</summary>
    private static void UpdatePowerManagement(List<KvmCpuidEntry2> entries)
    {
        int i = Find(entries, 0x6, 0);
        if (i < 0)
        {
            return;
        }
        KvmCpuidEntry2 leaf = entries[i];
        leaf.Eax &= Leaf6EaxArat;
        leaf.Ebx = leaf.Ecx = leaf.Edx = 0;
        entries[i] = leaf;
    }

    private static void UpdateStructuredExtendedFeatures(List<KvmCpuidEntry2> entries, bool amd)
    {
        int i = Find(entries, 0x7, 0);
        if (i < 0)
        {
            return;
        }
        KvmCpuidEntry2 leaf = entries[i];
        // ECX[5] WAITPKG: UMWAIT/TPAUSE would idle the physical core from the guest (Firecracker clears it too).
        leaf.Ecx &= ~(1u << 5);
        if (amd)
        {
            // EDX[29] IA32_ARCH_CAPABILITIES: KVM sets it, but the MSR does not exist on AMD processors.
            leaf.Edx &= ~(1u << 29);
        }
        else
        {
            // EBX[6] FDP_EXCPTN_ONLY and EBX[13] deprecated FPU CS/DS: true of KVM's FPU state handling.
            leaf.Ebx |= (1u << 6) | (1u << 13);
        }
        entries[i] = leaf;
    }

    /// <summary>
    /// Extended topology (leaf 0xB, and 0x1F which supersedes it): an SMT level with one thread per core, then a
    /// core level holding all vCPUs, then the invalid level that ends the enumeration. EDX is the x2APIC id.
    /// </summary>
    private static void ReplaceTopology(List<KvmCpuidEntry2> entries, uint function, uint vcpuId, uint count, uint idBits)
    {
        entries.RemoveAll(e => e.Function == function);
        // EAX[4:0]: shift of the x2APIC id to the next level; EBX[15:0]: logical processors at this level;
        // ECX[7:0]: the sub-leaf; ECX[15:8]: domain type.
        entries.Add(Topology(function, 0, eax: 0, ebx: 1, TopologyDomainSmt, vcpuId));
        entries.Add(Topology(function, 1, eax: idBits, ebx: count, TopologyDomainCore, vcpuId));
        entries.Add(Topology(function, 2, eax: 0, ebx: 0, TopologyDomainInvalid, vcpuId));
    }

    private static KvmCpuidEntry2 Topology(uint function, uint index, uint eax, uint ebx, uint domain, uint x2ApicId) => new()
    {
        Function = function,
        Index = index,
        Flags = KvmCpuidEntry2.FlagSignificantIndex,
        Eax = eax,
        Ebx = ebx,
        Ecx = (domain << 8) | index,
        Edx = x2ApicId,
    };

    /// <summary>AMD's own topology leaves (AMD APM Vol. 3 Appendix E.5 "Multiple Core Calculation").</summary>
    private static void UpdateAmdTopology(List<KvmCpuidEntry2> entries, uint vcpuId, uint count, uint idBits)
    {
        int i = Find(entries, 0x8000_0001, 0);
        if (i >= 0)
        {
            // ECX[1] CmpLegacy: the logical processors of CPUID.01H:EBX[23:16] are cores, not threads.
            KvmCpuidEntry2 leaf = entries[i];
            leaf.Ecx = count > 1 ? leaf.Ecx | (1u << 1) : leaf.Ecx & ~(1u << 1);
            entries[i] = leaf;
        }
        i = Find(entries, 0x8000_0008, 0);
        if (i >= 0)
        {
            // ECX[7:0] NC: cores in the package minus one; ECX[15:12] ApicIdSize: APIC id bits for the core id.
            KvmCpuidEntry2 leaf = entries[i];
            leaf.Ecx = SetField(leaf.Ecx, 0, 8, count - 1);
            leaf.Ecx = SetField(leaf.Ecx, 12, 4, idBits);
            entries[i] = leaf;
        }
        UpdateDeterministicCache(entries, 0x8000_001d, count);
        i = Find(entries, 0x8000_001e, 0);
        if (i >= 0)
        {
            // EAX extended APIC id; EBX[7:0] compute unit (core) id, EBX[15:8] threads per core minus one;
            // ECX node id 0 of one node.
            KvmCpuidEntry2 leaf = entries[i];
            leaf.Eax = vcpuId;
            leaf.Ebx = vcpuId & 0xff;
            leaf.Ecx = 0;
            leaf.Edx = 0;
            entries[i] = leaf;
        }
    }

    /// <summary>AMD and Hygon share the AMD topology leaves.</summary>
    private static bool IsAmdLike(in KvmCpuidEntry2 leaf0) =>
        // "AuthenticAMD" and "HygonGenuine" as EBX, EDX, ECX.
        (leaf0.Ebx == 0x6874_7541 && leaf0.Edx == 0x6974_6e65 && leaf0.Ecx == 0x444d_4163)
        || (leaf0.Ebx == 0x6f67_7948 && leaf0.Edx == 0x6e65_476e && leaf0.Ecx == 0x656e_6975);

    private static void Zero(List<KvmCpuidEntry2> entries, uint function)
    {
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i].Function == function)
            {
                KvmCpuidEntry2 leaf = entries[i];
                leaf.Eax = leaf.Ebx = leaf.Ecx = leaf.Edx = 0;
                entries[i] = leaf;
            }
        }
    }

    private static bool Contains(List<KvmCpuidEntry2> entries, uint function) => entries.Exists(e => e.Function == function);

    /// <summary>The entry KVM would answer CPUID(function, index) with: the index matters only if flagged significant.</summary>
    private static int Find(List<KvmCpuidEntry2> entries, uint function, uint index) =>
        entries.FindIndex(e => e.Function == function
                               && ((e.Flags & KvmCpuidEntry2.FlagSignificantIndex) == 0 || e.Index == index));

    private static uint SetField(uint value, int shift, int width, uint field)
    {
        uint mask = (width == 32 ? uint.MaxValue : (1u << width) - 1) << shift;
        return (value & ~mask) | ((field << shift) & mask);
    }
}
