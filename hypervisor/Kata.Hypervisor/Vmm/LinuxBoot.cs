using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Vmm;

/// <summary>Boots a Linux kernel (ELF vmlinux through PVH or the 64-bit entry, or a bzImage) with an optional initrd.</summary>
internal sealed class LinuxBoot : IGuestBoot
{
    private readonly VmConfig _config;
    private KernelImage? _kernel;
    private KvmCpuidEntry2[]? _supportedCpuid;

    public LinuxBoot(VmConfig config)
    {
        _config = config;
    }

    public string Description => _kernel?.Description ?? _config.KernelPath;

    public void Load(GuestMemory memory, string cmdline, int vcpuCount)
    {
        _kernel = KernelLoader.Load(memory, _config.KernelPath, _config.ElfBoot);
        InitrdLocation? initrd = _config.InitrdPath is null ? null : InitrdLoader.Load(memory, _config.InitrdPath, _kernel);
        BootConfigurator.Write(memory, _kernel, cmdline, initrd, E820Map.ForMemory(memory));
        MpTable.Write(memory, vcpuCount);
    }

    public void ConfigureVcpu(Vcpu vcpu, KvmSystem kvm, GuestMemory memory, int vcpuCount)
    {
        KernelImage kernel = _kernel ?? throw new InvalidOperationException("the kernel must be loaded before the vCPUs are configured");
        _supportedCpuid ??= kvm.GetSupportedCpuid();
        VcpuConfigurator.Configure(vcpu, kvm, memory, vcpuCount, kernel.Protocol, kernel.Entry, _supportedCpuid);
    }
}
