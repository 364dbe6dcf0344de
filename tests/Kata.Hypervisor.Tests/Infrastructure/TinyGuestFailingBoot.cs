using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>A guest boot that fails while loading, as a corrupt kernel image would.</summary>
internal sealed class TinyGuestFailingBoot : IGuestBoot
{
    public const string FailureMessage = "the test guest image is corrupt";

    public string Description => "a guest that cannot be loaded";

    public void Load(GuestMemory memory, string cmdline, int vcpuCount) => throw new InvalidDataException(FailureMessage);

    public void ConfigureVcpu(Vcpu vcpu, KvmSystem kvm, GuestMemory memory, int vcpuCount) =>
        throw new InvalidOperationException("never loaded, never configured");
}
