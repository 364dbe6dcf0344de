using System.Buffers.Binary;

namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// The 44-byte packet header, <c>struct virtio_vsock_hdr</c> (virtio 1.2 §5.10.6), little-endian and packed:
/// <code>
///  0 le64 src_cid    8 le64 dst_cid   16 le32 src_port  20 le32 dst_port  24 le32 len
/// 28 le16 type      30 le16 op       32 le32 flags     36 le32 buf_alloc 40 le32 fwd_cnt
/// </code>
/// <see cref="Type"/> and <see cref="Op"/> keep the raw values, so a header with an unknown one can still be
/// represented (and answered). Mirrors Firecracker's vsock/packet.rs VsockPacketHeader.
/// </summary>
public readonly record struct VsockHeader(
    ulong SrcCid,
    ulong DstCid,
    uint SrcPort,
    uint DstPort,
    uint Length,
    ushort Type,
    ushort Op,
    uint Flags,
    uint BufAlloc,
    uint FwdCnt)
{
    /// <summary>The size of the header on the wire.</summary>
    public const int Size = 44;

    public VsockOp Operation => (VsockOp)Op;

    public VsockSocketType SocketType => (VsockSocketType)Type;

    public VsockShutdownFlags ShutdownFlags => (VsockShutdownFlags)Flags;

    /// <summary>Reads a header from the first <see cref="Size"/> bytes; false when there are fewer.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out VsockHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }
        header = new VsockHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(source),
            BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[20..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[24..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[28..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[30..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[32..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[36..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[40..]));
        return true;
    }

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Size, nameof(destination));
        BinaryPrimitives.WriteUInt64LittleEndian(destination, SrcCid);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], DstCid);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], SrcPort);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], DstPort);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], Length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[28..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[30..], Op);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[32..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[36..], BufAlloc);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[40..], FwdCnt);
    }

    public override string ToString() =>
        $"{SrcCid}:{SrcPort} -> {DstCid}:{DstPort} op {Operation} type {Type} len {Length} flags 0x{Flags:x} buf_alloc {BufAlloc} fwd_cnt {FwdCnt}";
}
