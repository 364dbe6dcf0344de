using Iced.Intel;
using Kata.Hypervisor.Devices;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>
/// A minimal VM on the real /dev/kvm for tests: guest RAM from 0, optionally the in-kernel irqchip and PIT, and one
/// vCPU that a test puts into real, protected or long mode with an assembled program. Port and MMIO exits go to a
/// port <see cref="Bus"/> and an MMIO <see cref="Bus"/> (the product's bus), where tests register devices.
/// </summary>
public sealed class TinyGuest : IDisposable
{
    private readonly KvmSystem _kvm;
    private readonly VirtualMachine _vm;
    private readonly GuestMemory _memory;
    private readonly Vcpu _vcpu;
    private readonly TimeSpan _runTimeout;
    private TinyGuestRun? _run;

    private TinyGuest(KvmSystem kvm, VirtualMachine vm, GuestMemory memory, Vcpu vcpu, TimeSpan runTimeout)
    {
        _kvm = kvm;
        _vm = vm;
        _memory = memory;
        _vcpu = vcpu;
        _runTimeout = runTimeout;
    }

    public KvmSystem Kvm => _kvm;
    public VirtualMachine Vm => _vm;
    public GuestMemory Memory => _memory;
    public Vcpu Vcpu => _vcpu;
    public Bus PortBus { get; } = new("test port I/O");
    public Bus MmioBus { get; } = new("test MMIO");

    /// <summary>Builds the VM; skips the test when this host has no /dev/kvm.</summary>
    public static TinyGuest Create(TinyGuestOptions? options = null)
    {
        KvmRequirement.EnsureAvailable();
        options ??= new TinyGuestOptions();
        KvmSystem kvm = KvmSystem.Open();
        VirtualMachine? vm = null;
        GuestMemory? memory = null;
        try
        {
            vm = kvm.CreateVm();
            memory = new GuestMemory([(GuestAddress.Zero, options.MemoryBytes)]);
            vm.MapMemory(memory);
            // Intel VT-x without unrestricted guest needs these pages to run real mode; elsewhere it is a no-op.
            vm.SetTssAddress(new GuestAddress(TinyGuestLayout.KvmTssAddress));
            if (options.Irqchip)
            {
                vm.CreateIrqchip();
                vm.CreatePit();
            }
            Vcpu vcpu = vm.CreateVcpu(0);
            return new TinyGuest(kvm, vm, memory, vcpu, options.RunTimeout);
        }
        catch
        {
            memory?.Dispose();
            vm?.Dispose();
            kvm.Dispose();
            throw;
        }
    }

    /// <summary>Assembles a 16-bit program and enters it in real mode (CS:IP = 0x1000:0, DS = ES = 0x2000).</summary>
    public void LoadRealMode(Action<Assembler> program)
    {
        LoadCode(TinyGuestAssembler.Assemble(16, 0, program));
        TinyGuestCpu.EnterRealMode(_vcpu);
    }

    /// <summary>Assembles a 32-bit program and enters it in flat protected mode, paging off.</summary>
    public void LoadProtectedMode32(Action<Assembler> program)
    {
        LoadCode(TinyGuestAssembler.Assemble(32, TinyGuestLayout.CodeAddress, program));
        TinyGuestCpu.EnterProtectedMode32(_vcpu, _memory);
    }

    /// <summary>Assembles a 64-bit program and enters it in long mode with 0..4 GiB identity-mapped.</summary>
    public void LoadLongMode(Action<Assembler> program)
    {
        LoadCode(TinyGuestAssembler.Assemble(64, TinyGuestLayout.CodeAddress, program));
        TinyGuestCpu.EnterLongMode(_vcpu, _memory);
    }

    public void LoadCode(byte[] code) => _memory.Write(new GuestAddress(TinyGuestLayout.CodeAddress), code);

    /// <summary>Starts the vCPU on its own thread; the caller must <see cref="TinyGuestRun.Wait"/> for it.</summary>
    public TinyGuestRun Start(TinyGuestExitHandler handler)
    {
        if (_run is { IsFinished: false })
        {
            throw new InvalidOperationException("the vCPU is already running");
        }
        _run = new TinyGuestRun(_vcpu, handler);
        return _run;
    }

    /// <summary>Runs until <paramref name="handler"/> returns false, bounded by the run timeout.</summary>
    public void Run(TinyGuestExitHandler handler) => Start(handler).Wait(_runTimeout);

    /// <summary>
    /// Runs the guest, routing port and MMIO exits to <see cref="PortBus"/> and <see cref="MmioBus"/> as the VMM does,
    /// until any other exit (HLT, shutdown, an error, a kick). Returns every exit, the stopping one last.
    /// </summary>
    public IReadOnlyList<TinyGuestExit> RunUntilStop()
    {
        var exits = new List<TinyGuestExit>();
        Run(exit =>
        {
            bool keepRunning = Dispatch(exit);
            exits.Add(TinyGuestExit.From(exit));
            return keepRunning;
        });
        return exits;
    }

    /// <summary>Runs to the next exit of any kind (port and MMIO exits are dispatched to the buses first).</summary>
    public TinyGuestExit RunToNextExit()
    {
        TinyGuestExit? result = null;
        Run(exit =>
        {
            Dispatch(exit);
            result = TinyGuestExit.From(exit);
            return false;
        });
        return result!;
    }

    /// <summary>Sends a port or MMIO exit to its bus; returns false for every other exit.</summary>
    public bool Dispatch(VcpuExit exit)
    {
        switch (exit.Reason)
        {
            case VcpuExitReason.Io:
                Span<byte> data = exit.Data;
                int size = exit.Size;
                for (int offset = 0; offset + size <= data.Length; offset += size)
                {
                    if (exit.IsWrite)
                    {
                        PortBus.Write(exit.Port, data.Slice(offset, size));
                    }
                    else
                    {
                        PortBus.Read(exit.Port, data.Slice(offset, size));
                    }
                }
                return true;
            case VcpuExitReason.Mmio:
                if (exit.IsWrite)
                {
                    MmioBus.Write(exit.MmioAddress, exit.Data);
                }
                else
                {
                    MmioBus.Read(exit.MmioAddress, exit.Data);
                }
                return true;
            default:
                return false;
        }
    }

    public void Dispose()
    {
        // If the vCPU thread cannot be stopped, Abandon throws and the VM is leaked on purpose: unmapping kvm_run or
        // guest RAM under a thread still in KVM_RUN would crash the test host.
        if (_run is { IsFinished: false } run)
        {
            run.Abandon();
        }
        _vcpu.Dispose();
        _vm.Dispose();
        _memory.Dispose();
        _kvm.Dispose();
    }
}
