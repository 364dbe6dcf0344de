using Iced.Intel;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>A tiny long-mode guest booted by <see cref="MicroVm"/> that keeps the kernel command line the VMM built for it.</summary>
internal sealed class RecordingGuestBoot : IGuestBoot
{
    private readonly TinyGuestBoot _boot;

    public RecordingGuestBoot(Action<Assembler> program)
    {
        _boot = new TinyGuestBoot(TinyGuestMode.Long64, program);
    }

    public string Description => _boot.Description;

    public string? Cmdline { get; private set; }

    public void Load(GuestMemory memory, string cmdline, int vcpuCount)
    {
        Cmdline = cmdline;
        _boot.Load(memory, cmdline, vcpuCount);
    }

    public void ConfigureVcpu(Vcpu vcpu, KvmSystem kvm, GuestMemory memory, int vcpuCount) => _boot.ConfigureVcpu(vcpu, kvm, memory, vcpuCount);
}
