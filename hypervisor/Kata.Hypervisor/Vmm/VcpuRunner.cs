using Kata.Hypervisor.Devices;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Kvm;
using Serilog;

namespace Kata.Hypervisor.Vmm;

/// <summary>
/// One vCPU's thread: enters the guest with KVM_RUN, routes port and MMIO exits to the buses, and turns the exits
/// that end a VM (triple fault, internal error, failed entry, system event) into a <see cref="VmExitStatus"/>.
/// </summary>
internal sealed class VcpuRunner
{
    private readonly Vcpu _vcpu;
    private readonly Bus _portBus;
    private readonly Bus _mmioBus;
    private readonly PauseGate _gate;
    private readonly Action<VmExitStatus> _endVm;
    private readonly ILogger _log;
    private readonly object _kickLock = new();
    private volatile bool _stop;
    private nuint _pthread;
    private bool _threadExited;
    private Thread? _thread;

    public VcpuRunner(Vcpu vcpu, Bus portBus, Bus mmioBus, PauseGate gate, Action<VmExitStatus> endVm, ILogger log)
    {
        _vcpu = vcpu;
        _portBus = portBus;
        _mmioBus = mmioBus;
        _gate = gate;
        _endVm = endVm;
        _log = log.ForContext("Vcpu", vcpu.Id);
    }

    public ExitCounters Exits { get; } = new();

    /// <summary>Linux thread id of the vCPU thread (for per-thread CPU time), 0 before it starts.</summary>
    public int ThreadId { get; private set; }

    public void Start()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = $"vcpu{_vcpu.Id}" };
        _thread.Start();
    }

    /// <summary>Makes KVM_RUN return so the thread sees a pause or stop request.</summary>
    public void Kick()
    {
        // Never signal a pthread that has exited (its id may be reused); before the thread registers, immediate_exit
        // alone makes its first KVM_RUN return at once.
        lock (_kickLock)
        {
            VcpuKicker.Kick(_vcpu, _threadExited ? 0 : _pthread);
        }
    }

    public void RequestStop()
    {
        _stop = true;
        Kick();
    }

    public bool Join(TimeSpan timeout) => _thread?.Join(timeout) ?? true;

    private void Loop()
    {
        lock (_kickLock)
        {
            _pthread = VcpuKicker.RegisterCurrentThread();
        }
        ThreadId = Libc.GetTid();
        try
        {
            while (!_stop)
            {
                _gate.ParkIfPaused();
                if (_stop)
                {
                    break;
                }
                VcpuExit exit = _vcpu.Run();
                Exits.Count(exit.Reason);
                if (HandleExit(exit) is { } end)
                {
                    _endVm(end);
                    break;
                }
            }
        }
        catch (Exception e)
        {
            _log.Error(e, "vCPU {Vcpu} failed", _vcpu.Id);
            _endVm(new VmExitStatus(VmExitKind.Error, $"vCPU {_vcpu.Id}: {e.Message}", SafeRegisterDump()));
        }
        finally
        {
            lock (_kickLock)
            {
                _threadExited = true;
            }
        }
    }

    /// <summary>Handles one exit; returns how the VM ends, or null to keep running.</summary>
    private VmExitStatus? HandleExit(VcpuExit exit)
    {
        switch (exit.Reason)
        {
            case VcpuExitReason.Io:
                HandlePortIo(exit);
                return null;
            case VcpuExitReason.Mmio:
                if (exit.IsWrite)
                {
                    _mmioBus.Write(exit.MmioAddress, exit.Data);
                }
                else
                {
                    _mmioBus.Read(exit.MmioAddress, exit.Data);
                }
                return null;
            case VcpuExitReason.Interrupted:
                _vcpu.ImmediateExit = false;
                return null;
            case VcpuExitReason.IrqWindowOpen:
            case VcpuExitReason.Intr:
                return null;
            case VcpuExitReason.Hlt:
                // Only seen without an in-kernel LAPIC; a halted uniprocessor guest with nothing to wake it is done.
                return new VmExitStatus(VmExitKind.GuestShutdown, $"vCPU {_vcpu.Id} halted");
            case VcpuExitReason.Shutdown:
                return new VmExitStatus(VmExitKind.TripleFault,
                    $"vCPU {_vcpu.Id}: the guest triple-faulted (KVM_EXIT_SHUTDOWN)", SafeRegisterDump());
            case VcpuExitReason.SystemEvent:
                return exit.SystemEvent switch
                {
                    1 => new VmExitStatus(VmExitKind.GuestShutdown, "the guest powered off"),
                    2 => new VmExitStatus(VmExitKind.GuestShutdown, "the guest rebooted"),
                    _ => new VmExitStatus(VmExitKind.Error, $"vCPU {_vcpu.Id}: guest crash (KVM system event {exit.SystemEvent})", SafeRegisterDump()),
                };
            case VcpuExitReason.InternalError:
                return new VmExitStatus(VmExitKind.Error,
                    $"vCPU {_vcpu.Id}: KVM internal error, suberror {exit.InternalErrorSuberror} ({DescribeSuberror(exit.InternalErrorSuberror)}), "
                    + $"data [{string.Join(", ", exit.InternalErrorData.ToArray().Select(d => $"0x{d:x}"))}]",
                    SafeRegisterDump());
            case VcpuExitReason.FailEntry:
                return new VmExitStatus(VmExitKind.Error,
                    $"vCPU {_vcpu.Id}: KVM could not enter the guest (hardware reason 0x{exit.FailEntryHardwareReason:x})", SafeRegisterDump());
            default:
                return new VmExitStatus(VmExitKind.Error, $"vCPU {_vcpu.Id}: unexpected exit {exit.Reason} ({(uint)exit.Reason})", SafeRegisterDump());
        }
    }

    private void HandlePortIo(VcpuExit exit)
    {
        Span<byte> data = exit.Data;
        int size = exit.Size;
        if (size is not (1 or 2 or 4) || data.IsEmpty)
        {
            return;
        }
        // String I/O (INS/OUTS with REP) arrives as Count accesses of Size bytes each.
        for (int offset = 0; offset + size <= data.Length; offset += size)
        {
            Span<byte> access = data.Slice(offset, size);
            if (exit.IsWrite)
            {
                _portBus.Write(exit.Port, access);
            }
            else
            {
                _portBus.Read(exit.Port, access);
            }
        }
    }

    private static string DescribeSuberror(uint suberror) => suberror switch
    {
        1 => "instruction emulation failed: on a PVM host this is an instruction PVM cannot emulate at guest CPL0",
        2 => "simultaneous exceptions",
        3 => "delivery event failed",
        4 => "unexpected exit reason",
        _ => "unknown",
    };

    private string SafeRegisterDump()
    {
        try
        {
            return Arch.X86_64.RegisterDump.Format(_vcpu);
        }
        catch (Exception e)
        {
            return $"(registers unavailable: {e.Message})";
        }
    }
}
