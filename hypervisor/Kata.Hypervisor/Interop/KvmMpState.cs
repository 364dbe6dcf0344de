using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Interop;

/// <summary>struct kvm_mp_state (4 bytes): a vCPU's multiprocessing state (Documentation/virt/kvm/api.rst §4.38).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmMpState
{
    public uint State;

    /// <summary>KVM_MP_STATE_RUNNABLE: running (the boot processor after creation).</summary>
    public const uint Runnable = 0;
    /// <summary>KVM_MP_STATE_UNINITIALIZED: an application processor that has not received INIT.</summary>
    public const uint Uninitialized = 1;
    /// <summary>KVM_MP_STATE_INIT_RECEIVED: INIT received, waiting for a start-up IPI.</summary>
    public const uint InitReceived = 2;
    /// <summary>KVM_MP_STATE_HALTED: executed HLT, waiting for an interrupt.</summary>
    public const uint Halted = 3;
    /// <summary>KVM_MP_STATE_SIPI_RECEIVED: start-up IPI received.</summary>
    public const uint SipiReceived = 4;
}
