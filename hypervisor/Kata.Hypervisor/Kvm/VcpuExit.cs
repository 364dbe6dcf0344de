using System.Runtime.InteropServices;
using Kata.Hypervisor.Interop;

namespace Kata.Hypervisor.Kvm;

/// <summary>
/// Why KVM_RUN returned, read in place from the vCPU's mapped kvm_run page (no copy). Valid until the next
/// <see cref="Vcpu.Run"/>. For I/O and MMIO, <see cref="Data"/> is the buffer KVM reads a guest read's
/// result from on re-entry, so a device answers a read by writing into it.
/// </summary>
public readonly ref struct VcpuExit
{
    // Offsets inside the exit union of struct kvm_run (linux/kvm.h).
    private const int IoDirection = 0, IoSize = 1, IoPort = 2, IoCount = 4, IoDataOffset = 8;
    private const int MmioPhysAddr = 0, MmioData = 8, MmioLen = 16, MmioIsWrite = 20;
    private const int FailEntryReason = 0;
    private const int InternalSuberror = 0, InternalNdata = 4, InternalData = 8;
    private const int SystemEventType = 0;

    private readonly Span<byte> _run;

    internal VcpuExit(VcpuExitReason reason, Span<byte> run)
    {
        Reason = reason;
        _run = run;
    }

    public VcpuExitReason Reason { get; }

    private Span<byte> Union => _run[KvmRunHeader.ExitUnionOffset..];

    private T At<T>(int offset) where T : unmanaged => MemoryMarshal.Read<T>(Union[offset..]);

    /// <summary>For <see cref="VcpuExitReason.Io"/>: true for OUT (guest writes), false for IN.</summary>
    public bool IsWrite => Reason == VcpuExitReason.Io ? At<byte>(IoDirection) == 1 : At<byte>(MmioIsWrite) != 0;

    /// <summary>The I/O port (for <see cref="VcpuExitReason.Io"/>).</summary>
    public ushort Port => At<ushort>(IoPort);

    /// <summary>The guest physical address (for <see cref="VcpuExitReason.Mmio"/>).</summary>
    public ulong MmioAddress => At<ulong>(MmioPhysAddr);

    /// <summary>Access width in bytes: the I/O size, or the MMIO length.</summary>
    public int Size => Reason == VcpuExitReason.Io ? At<byte>(IoSize) : (int)At<uint>(MmioLen);

    /// <summary>Repeat count of a string I/O instruction (INS/OUTS).</summary>
    public int Count => Reason == VcpuExitReason.Io ? (int)At<uint>(IoCount) : 1;

    /// <summary>The data of the access: Size × Count bytes for I/O, Size bytes for MMIO, inside kvm_run.</summary>
    public Span<byte> Data
    {
        get
        {
            if (Reason == VcpuExitReason.Io)
            {
                ulong offset = At<ulong>(IoDataOffset);
                int length = Size * Count;
                // KVM puts the data inside the kvm_run mapping; a bogus offset would be a kernel bug, not a guest one.
                return offset + (ulong)length <= (ulong)_run.Length ? _run.Slice((int)offset, length) : Span<byte>.Empty;
            }
            return Union.Slice(MmioData, Math.Min(Size, 8));
        }
    }

    public ulong FailEntryHardwareReason => At<ulong>(FailEntryReason);

    public uint InternalErrorSuberror => At<uint>(InternalSuberror);

    public ReadOnlySpan<ulong> InternalErrorData
    {
        get
        {
            int n = (int)Math.Min(At<uint>(InternalNdata), 16u);
            return MemoryMarshal.Cast<byte, ulong>(Union.Slice(InternalData, n * 8));
        }
    }

    /// <summary>KVM_SYSTEM_EVENT_* (1 shutdown, 2 reset, 3 crash).</summary>
    public uint SystemEvent => At<uint>(SystemEventType);
}
