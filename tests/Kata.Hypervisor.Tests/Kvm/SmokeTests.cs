using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Kvm;

/// <summary>The /dev/kvm system fd answers the questions the VMM asks before it builds a VM.</summary>
public class SmokeTests
{
    [Fact]
    public void KvmSystem_Opens_AndOffersTheCapabilitiesTheVmmNeeds()
    {
        KvmRequirement.EnsureAvailable();
        using var kvm = KvmSystem.Open();

        Assert.True(kvm.VcpuMmapSize >= 4096);
        Assert.True(kvm.HasExtension(KvmCapability.UserMemory));
        Assert.True(kvm.HasExtension(KvmCapability.ImmediateExit));
        Assert.True(kvm.HasExtension(KvmCapability.Irqchip));
    }

    [Fact]
    public void KvmHost_DetectsWhichKvmThisIs()
    {
        KvmRequirement.EnsureAvailable();

        KvmKind kind = KvmHost.DetectKind();

        Assert.Equal(Directory.Exists("/sys/module/kvm_pvm") ? KvmKind.Pvm : KvmKind.Hardware, kind);
    }
}
