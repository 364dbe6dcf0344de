using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Arch.X86_64;

public class MsrSetupTests
{
    private static void Log(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public void BootEntries_AreFirecrackersPlusWriteBackMtrrs()
    {
        KvmMsrEntry[] entries = MsrSetup.BootEntries();
        Assert.Equal(11, entries.Length);
        Assert.Equal(entries.Length, entries.Select(e => e.Index).Distinct().Count());
        Assert.Equal(1UL, entries.Single(e => e.Index == MsrIndex.Ia32MiscEnable).Data);
        Assert.Equal((1UL << 11) | 6, entries.Single(e => e.Index == MsrIndex.Ia32MtrrDefType).Data);
        Assert.All(entries.Where(e => e.Index is not MsrIndex.Ia32MiscEnable and not MsrIndex.Ia32MtrrDefType),
            e => Assert.Equal(0UL, e.Data));
    }

    [Fact]
    public void Configure_OnRealKvm_AppliesBootMsrsAndReportsRefusals()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        using var vcpu = vm.Vm.CreateVcpu(0);
        uint[] known = vm.Kvm.GetMsrIndexList();
        Log($"KVM_GET_MSR_INDEX_LIST: {known.Length} MSRs");
        foreach (KvmMsrEntry entry in MsrSetup.BootEntries())
        {
            Log($"  boot MSR 0x{entry.Index:x}: {(known.Contains(entry.Index) ? "listed" : "not listed")}");
        }

        uint[] refused = MsrSetup.Configure(vcpu, vm.Kvm);

        Log($"refused: [{string.Join(", ", refused.Select(m => $"0x{m:x}"))}]");
        KvmMsrEntry[] expected = MsrSetup.BootEntries().Where(e => !refused.Contains(e.Index)).ToArray();
        // IA32_TSC keeps counting after it is written; compare the others exactly.
        uint[] indices = expected.Select(e => e.Index).Where(i => i != MsrIndex.Ia32Tsc).ToArray();
        KvmMsrEntry[] readBack = vcpu.GetMsrs(indices);
        Assert.Equal(indices.Length, readBack.Length);
        foreach (KvmMsrEntry entry in readBack)
        {
            Log($"  0x{entry.Index:x} = 0x{entry.Data:x}");
            Assert.Equal(expected.Single(e => e.Index == entry.Index).Data, entry.Data);
        }
        // The MSRs Linux needs to enter the kernel must not be refused on any KVM.
        Assert.DoesNotContain(MsrIndex.Ia32MiscEnable, refused);
        Assert.DoesNotContain(MsrIndex.Lstar, refused);
    }

    [Fact]
    public void Apply_RecordsARefusedMsrAndWritesTheRest()
    {
        KvmRequirement.EnsureAvailable();
        using var vm = new TestVm();
        using var vcpu = vm.Vm.CreateVcpu(0);
        // MSR 0x2 does not exist on any x86 processor; KVM_SET_MSRS stops there and returns 1.
        KvmMsrEntry[] entries =
        [
            new() { Index = MsrIndex.Star, Data = 0x0023_0010_0000_0000 },
            new() { Index = 0x2, Data = 1 },
            new() { Index = MsrIndex.SyscallMask, Data = 0x4700 },
        ];

        uint[] refused = MsrSetup.Apply(vcpu, entries);

        Assert.Equal(new uint[] { 0x2 }, refused);
        KvmMsrEntry[] readBack = vcpu.GetMsrs([MsrIndex.Star, MsrIndex.SyscallMask]);
        Assert.Equal((0x0023_0010_0000_0000UL, 0x4700UL), (readBack[0].Data, readBack[1].Data));

        // With KVM's index list, an unlisted MSR is skipped without being written.
        Assert.Equal(new uint[] { 0x2 }, MsrSetup.Apply(vcpu, entries, vm.Kvm.GetMsrIndexList()));
    }
}
