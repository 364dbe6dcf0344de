using System.Text;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Interop;

namespace Kata.Hypervisor.Tests.Arch.X86_64;

public class CpuidFilterTests
{
    private const uint Significant = KvmCpuidEntry2.FlagSignificantIndex;

    /// <summary>A synthetic Intel table shaped like KVM_GET_SUPPORTED_CPUID's, with host-only bits all set.</summary>
    private static KvmCpuidEntry2[] IntelTable(bool withKvmFeatures = true)
    {
        var table = new List<KvmCpuidEntry2>
        {
            // "GenuineIntel", max basic leaf 0x1F.
            E(0x0, 0, 0, 0x1f, 0x756e_6547, 0x6c65_746e, 0x4965_6e69),
            // EBX: brand index 7, bogus CLFLUSH/count/APIC id; ECX/EDX: every feature bit.
            E(0x1, 0, 0, 0x0009_06ea, 0xabcd_ef07, 0xffff_ffff, 0xffff_ffff),
            // Deterministic cache parameters: L1d, L1i, L2, L3, end (cache type 0). Host sharing counts 0x3f/0x3f.
            E(0x4, 0, Significant, 0xfc00_4121, 0x01c0_003f, 0x3f, 0),
            E(0x4, 1, Significant, 0xfc00_4122, 0x01c0_003f, 0x3f, 0),
            E(0x4, 2, Significant, 0xfc00_4143, 0x03c0_003f, 0x3ff, 0),
            E(0x4, 3, Significant, 0xfc0f_c163, 0x03c0_003f, 0x7fff, 4),
            E(0x4, 4, Significant, 0, 0, 0, 0),
            // Turbo (1), ARAT (2) and more; EPB in ECX.
            E(0x6, 0, 0, 0x0000_0077, 0x2, 0x9, 0),
            // WAITPKG (ECX[5]).
            E(0x7, 0, Significant, 0, 0x0000_0001, 0x0000_0020, 0),
            E(0xa, 0, 0, 0x0730_0805, 0, 0, 0x603),
            // The host's own topology: 2 threads per core, x2APIC id 5.
            E(0xb, 0, Significant, 1, 2, 0x100, 5),
            E(0x1f, 0, Significant, 1, 2, 0x100, 5),
            E(0x4000_0000, 0, 0, 0x4000_0001, 0x4b4d_564b, 0x564b_4d56, 0x4d),
            E(0x4000_0010, 0, 0, 0x1234, 0, 0, 0),
            E(0x8000_0000, 0, 0, 0x8000_0008, 0, 0, 0),
            E(0x8000_0001, 0, 0, 0, 0, 0x121, 0x2c10_0800),
        };
        if (withKvmFeatures)
        {
            table.Add(E(0x4000_0001, 0, 0, 0x0100_7afb, 0, 0, 0x1));
        }
        return table.ToArray();
    }

    private static KvmCpuidEntry2[] AmdTable() =>
    [
        // "AuthenticAMD", max basic leaf 0x10.
        E(0x0, 0, 0, 0x10, 0x6874_7541, 0x444d_4163, 0x6974_6e65),
        E(0x1, 0, 0, 0x00a0_0f11, 0x0010_0800, 0xfef8_3203, 0x178b_fbff),
        E(0x7, 0, Significant, 0, 0x219c_91a9, 0x0040_069c, 0x2000_0010),
        E(0x8000_0001, 0, 0, 0x00a0_0f11, 0, 0x7584_17ff, 0x2fd3_fbff),
        E(0x8000_0008, 0, 0, 0x3030, 0, 0x7007, 0),
        E(0x8000_001d, 0, Significant, 0x121, 0x01c0_003f, 0x3f, 0),
        E(0x8000_001d, 1, Significant, 0x3_c163, 0x03c0_003f, 0x7fff, 1),
        E(0x8000_001e, 0, 0, 0x12, 0x109, 0x3, 0),
    ];

    private static KvmCpuidEntry2 E(uint function, uint index, uint flags, uint eax, uint ebx, uint ecx, uint edx) =>
        new() { Function = function, Index = index, Flags = flags, Eax = eax, Ebx = ebx, Ecx = ecx, Edx = edx };

    private static KvmCpuidEntry2 Leaf(KvmCpuidEntry2[] table, uint function, uint index = 0)
    {
        KvmCpuidEntry2[] matches = table
            .Where(e => e.Function == function && ((e.Flags & Significant) == 0 || e.Index == index))
            .ToArray();
        Assert.True(matches.Length == 1, $"expected one entry for leaf 0x{function:x}.{index}, found {matches.Length}");
        return matches[0];
    }

    private static bool Bit(uint value, int bit) => (value & (1u << bit)) != 0;

    [Theory]
    [InlineData(0u, 1)]
    [InlineData(1u, 2)]
    [InlineData(3u, 4)]
    [InlineData(200u, 254)]
    public void Leaf1_CarriesThisVcpusApicId(uint vcpuId, int vcpuCount)
    {
        KvmCpuidEntry2[] table = CpuidFilter.Filter(IntelTable(), vcpuId, vcpuCount);
        uint ebx = Leaf(table, 0x1).Ebx;
        Assert.Equal(vcpuId, ebx >> 24);
        Assert.Equal(8u, (ebx >> 8) & 0xff);   // CLFLUSH: 8 × 8 = 64-byte lines
        Assert.Equal(7u, ebx & 0xff);          // the brand index is left alone
        Assert.Equal(vcpuId, Leaf(table, 0xb, 0).Edx);
        Assert.Equal(vcpuId, Leaf(table, 0xb, 1).Edx);
        Assert.Equal(vcpuId, Leaf(table, 0x1f, 1).Edx);
    }

    [Fact]
    public void Leaf1_SetsHypervisorBitAndMasksHostOnlyFeatures()
    {
        KvmCpuidEntry2 leaf = Leaf(CpuidFilter.Filter(IntelTable(), 0, 1), 0x1);
        Assert.True(Bit(leaf.Ecx, 31), "hypervisor");
        Assert.True(Bit(leaf.Ecx, 24), "TSC-deadline");
        foreach (int bit in new[] { 2, 3, 4, 5, 6, 7, 8, 15 })
        {
            Assert.False(Bit(leaf.Ecx, bit), $"CPUID.01H:ECX[{bit}] must be masked");
        }
        foreach (int bit in new[] { 21, 22, 29, 31 })
        {
            Assert.False(Bit(leaf.Edx, bit), $"CPUID.01H:EDX[{bit}] must be masked");
        }
        // Everything else KVM offered stays: e.g. SSE3 (ECX[0]), x2APIC (ECX[21]), FPU (EDX[0]), APIC (EDX[9]).
        Assert.True(Bit(leaf.Ecx, 0) && Bit(leaf.Ecx, 21) && Bit(leaf.Edx, 0) && Bit(leaf.Edx, 9));
    }

    [Fact]
    public void Leaf1_HttOnlyWithMoreThanOneVcpu()
    {
        Assert.False(Bit(Leaf(CpuidFilter.Filter(IntelTable(), 0, 1), 0x1).Edx, 28));
        Assert.True(Bit(Leaf(CpuidFilter.Filter(IntelTable(), 0, 2), 0x1).Edx, 28));
    }

    [Theory]
    [InlineData(1, 1u, 0u)]
    [InlineData(2, 2u, 1u)]
    [InlineData(3, 4u, 2u)]
    [InlineData(4, 4u, 2u)]
    public void Topology_OnePackageOfSingleThreadCores(int vcpuCount, uint idSpace, uint coreShift)
    {
        KvmCpuidEntry2[] table = CpuidFilter.Filter(IntelTable(), (uint)vcpuCount - 1, vcpuCount);
        var count = (uint)vcpuCount;

        Assert.Equal(idSpace, (Leaf(table, 0x1).Ebx >> 16) & 0xff);

        foreach (uint function in new[] { 0xbu, 0x1fu })
        {
            Assert.Equal(3, table.Count(e => e.Function == function));
            KvmCpuidEntry2 smt = Leaf(table, function, 0), core = Leaf(table, function, 1), end = Leaf(table, function, 2);
            Assert.All(new[] { smt, core, end }, e => Assert.Equal(Significant, e.Flags & Significant));
            // SMT level: no x2APIC id bits, one thread; domain type 1.
            Assert.Equal((0u, 1u, 0x100u), (smt.Eax & 0x1f, smt.Ebx & 0xffff, smt.Ecx));
            // Core level: all vCPUs; domain type 2, sub-leaf 1.
            Assert.Equal((coreShift, count, 0x201u), (core.Eax & 0x1f, core.Ebx & 0xffff, core.Ecx));
            // Invalid level ends the enumeration: EBX 0, type 0, sub-leaf 2 echoed.
            Assert.Equal((0u, 2u), (end.Ebx, end.Ecx));
        }

        // Leaf 4: cores per package in EAX[31:26]; L1/L2 private, L3 shared by all (EAX[25:14]).
        for (uint i = 0; i < 4; i++)
        {
            KvmCpuidEntry2 cache = Leaf(table, 0x4, i);
            uint level = (cache.Eax >> 5) & 7;
            Assert.Equal(count - 1, cache.Eax >> 26);
            Assert.Equal(level == 3 ? count - 1 : 0u, (cache.Eax >> 14) & 0xfff);
            Assert.Equal(cache.Eax & 0x3fff, Leaf(IntelTable(), 0x4, i).Eax & 0x3fff);
        }
        Assert.Equal(0u, Leaf(table, 0x4, 4).Eax);
    }

    [Fact]
    public void SignatureLeaf_IsKvmWithFeaturesFromKvm()
    {
        KvmCpuidEntry2[] table = CpuidFilter.Filter(IntelTable(), 0, 1);
        KvmCpuidEntry2 signature = Leaf(table, CpuidFilter.HypervisorSignatureLeaf);
        Assert.Equal(0x4000_0001u, signature.Eax);
        var bytes = new byte[12];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), signature.Ebx);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), signature.Ecx);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), signature.Edx);
        Assert.Equal("KVMKVMKVM\0\0\0", Encoding.ASCII.GetString(bytes));

        KvmCpuidEntry2 features = Leaf(table, CpuidFilter.KvmFeaturesLeaf);
        Assert.Equal((0x0100_7afbu, 1u), (features.Eax, features.Edx));

        // Nothing else survives in the hypervisor range.
        Assert.Equal(2, table.Count(e => e.Function is >= 0x4000_0000 and <= 0x4fff_ffff));
    }

    [Fact]
    public void SignatureLeaf_WithoutKvmFeatures_OffersNone()
    {
        KvmCpuidEntry2[] table = CpuidFilter.Filter(IntelTable(withKvmFeatures: false), 0, 1);
        Assert.Equal(0x4000_0001u, Leaf(table, 0x4000_0000).Eax);
        KvmCpuidEntry2 features = Leaf(table, 0x4000_0001);
        Assert.Equal((0u, 0u, 0u, 0u), (features.Eax, features.Ebx, features.Ecx, features.Edx));
    }

    [Fact]
    public void PowerManagementAndPmu_AreCleared()
    {
        KvmCpuidEntry2[] table = CpuidFilter.Filter(IntelTable(), 0, 2);
        KvmCpuidEntry2 leaf6 = Leaf(table, 0x6);
        Assert.Equal((CpuidFilter.Leaf6EaxArat, 0u, 0u, 0u), (leaf6.Eax, leaf6.Ebx, leaf6.Ecx, leaf6.Edx));
        KvmCpuidEntry2 leafA = Leaf(table, 0xa);
        Assert.Equal((0u, 0u, 0u, 0u), (leafA.Eax, leafA.Ebx, leafA.Ecx, leafA.Edx));
        KvmCpuidEntry2 leaf7 = Leaf(table, 0x7);
        Assert.False(Bit(leaf7.Ecx, 5), "WAITPKG");
        Assert.True(Bit(leaf7.Ebx, 0), "other leaf 7 features are kept");
    }

    [Fact]
    public void OtherLeaves_PassThroughUnchanged()
    {
        KvmCpuidEntry2[] input = IntelTable();
        KvmCpuidEntry2[] table = CpuidFilter.Filter(input, 1, 2);
        Assert.Equal(Leaf(input, 0x0), Leaf(table, 0x0));
        Assert.Equal(Leaf(input, 0x8000_0000), Leaf(table, 0x8000_0000));
        Assert.Equal(Leaf(input, 0x8000_0001), Leaf(table, 0x8000_0001));
        // The input is not modified.
        Assert.Equal(IntelTable(), input);
    }

    [Fact]
    public void Amd_TopologyLeaves()
    {
        KvmCpuidEntry2[] table = CpuidFilter.Filter(AmdTable(), 2, 4);
        Assert.Equal(2u, Leaf(table, 0x1).Ebx >> 24);
        KvmCpuidEntry2 sizes = Leaf(table, 0x8000_0008);
        Assert.Equal((3u, 2u), (sizes.Ecx & 0xff, (sizes.Ecx >> 12) & 0xf));
        Assert.True(Bit(Leaf(table, 0x8000_0001).Ecx, 1), "CmpLegacy");
        KvmCpuidEntry2 extendedApic = Leaf(table, 0x8000_001e);
        Assert.Equal((2u, 2u), (extendedApic.Eax, extendedApic.Ebx));
        Assert.Equal(0u, (Leaf(table, 0x8000_001d, 0).Eax >> 14) & 0xfff);
        Assert.Equal(3u, (Leaf(table, 0x8000_001d, 1).Eax >> 14) & 0xfff);
        Assert.False(Bit(Leaf(table, 0x7).Edx, 29), "IA32_ARCH_CAPABILITIES is not offered on AMD");
        // KVM's table had no leaf 0xB, but the maximum basic leaf (0x10) covers it: the topology is provided.
        Assert.Equal(2u, Leaf(table, 0xb, 1).Edx);
    }

    [Theory]
    [InlineData(0u, 0)]
    [InlineData(0u, 255)]
    [InlineData(1u, 1)]
    [InlineData(4u, 4)]
    public void InvalidVcpuNumbers_Throw(uint vcpuId, int vcpuCount) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuidFilter.Filter(IntelTable(), vcpuId, vcpuCount));
}
