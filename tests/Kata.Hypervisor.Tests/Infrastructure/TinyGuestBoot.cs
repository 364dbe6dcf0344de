using Iced.Intel;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>
/// Boots a tiny assembled program in a <see cref="MicroVm"/> instead of a Linux kernel, through the VMM's own
/// <see cref="IGuestBoot"/> seam: the VM, its devices and its vCPU threads are the product's; only the guest is ours.
/// </summary>
internal sealed class TinyGuestBoot : IGuestBoot
{
    private readonly TinyGuestMode _mode;
    private readonly byte[] _code;
    private readonly bool _emptyIdt;

    /// <param name="mode">The CPU mode the program is assembled for and entered in.</param>
    /// <param name="program">Emits the program.</param>
    /// <param name="emptyIdt">Load an IDT with limit 0, so the first exception triple-faults.</param>
    public TinyGuestBoot(TinyGuestMode mode, Action<Assembler> program, bool emptyIdt = false)
    {
        _mode = mode;
        _emptyIdt = emptyIdt;
        _code = mode switch
        {
            TinyGuestMode.Real => TinyGuestAssembler.Assemble(16, 0, program),
            TinyGuestMode.Protected32 => TinyGuestAssembler.Assemble(32, TinyGuestLayout.CodeAddress, program),
            _ => TinyGuestAssembler.Assemble(64, TinyGuestLayout.CodeAddress, program),
        };
    }

    public string Description => $"tiny {_mode} test guest ({_code.Length} bytes)";

    public int LoadCount { get; private set; }

    public int ConfiguredVcpus { get; private set; }

    public void Load(GuestMemory memory, string cmdline, int vcpuCount)
    {
        memory.Write(new GuestAddress(TinyGuestLayout.CodeAddress), _code);
        LoadCount++;
    }

    public void ConfigureVcpu(Vcpu vcpu, KvmSystem kvm, GuestMemory memory, int vcpuCount)
    {
        switch (_mode)
        {
            case TinyGuestMode.Real:
                TinyGuestCpu.EnterRealMode(vcpu);
                break;
            case TinyGuestMode.Protected32:
                TinyGuestCpu.EnterProtectedMode32(vcpu, memory);
                break;
            default:
                TinyGuestCpu.EnterLongMode(vcpu, memory);
                break;
        }
        if (_emptyIdt)
        {
            TinyGuestCpu.LoadEmptyIdt(vcpu);
        }
        ConfiguredVcpus++;
    }
}
