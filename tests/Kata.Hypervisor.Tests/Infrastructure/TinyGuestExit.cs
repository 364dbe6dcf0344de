using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Kata.Hypervisor.Kvm;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>
/// A copy of one vCPU exit (a <see cref="VcpuExit"/> is only valid until the next KVM_RUN). <see cref="Data"/> holds
/// the port or MMIO data, or for an internal error the raw kvm_run.internal data words.
/// </summary>
public sealed record TinyGuestExit(
    VcpuExitReason Reason, bool IsWrite, ushort Port, ulong MmioAddress, int Size, int Count, byte[] Data, uint Suberror)
{
    /// <summary>Copies the exit. For a port or MMIO read, call it after the device has filled in the data.</summary>
    public static TinyGuestExit From(VcpuExit exit) => exit.Reason switch
    {
        VcpuExitReason.Io => new(exit.Reason, exit.IsWrite, exit.Port, 0, exit.Size, exit.Count, exit.Data.ToArray(), 0),
        VcpuExitReason.Mmio => new(exit.Reason, exit.IsWrite, 0, exit.MmioAddress, exit.Size, 1, exit.Data.ToArray(), 0),
        VcpuExitReason.InternalError => new(exit.Reason, false, 0, 0, 0, 0,
            MemoryMarshal.AsBytes(exit.InternalErrorData).ToArray(), exit.InternalErrorSuberror),
        _ => new(exit.Reason, false, 0, 0, 0, 0, [], 0),
    };

    /// <summary>The first access's data as a little-endian number.</summary>
    public ulong Value
    {
        get
        {
            Span<byte> buffer = stackalloc byte[8];
            buffer.Clear();
            Data.AsSpan(0, Math.Min(Math.Min(Size, 8), Data.Length)).CopyTo(buffer);
            return BinaryPrimitives.ReadUInt64LittleEndian(buffer);
        }
    }

    public bool IsPortWrite(ushort port) => Reason == VcpuExitReason.Io && IsWrite && Port == port;

    public override string ToString() => Reason switch
    {
        VcpuExitReason.Io => $"Io {(IsWrite ? "out" : "in")} port 0x{Port:x} size {Size} count {Count} data {Convert.ToHexString(Data)}",
        VcpuExitReason.Mmio => $"Mmio {(IsWrite ? "write" : "read")} 0x{MmioAddress:x} size {Size} data {Convert.ToHexString(Data)}",
        VcpuExitReason.InternalError => $"InternalError suberror {Suberror}",
        _ => Reason.ToString(),
    };
}
