namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>
/// One vsock packet as a view over bytes: the <see cref="VsockHeader"/> and its payload (virtio 1.2 §5.10.6).
/// <para>
/// The parser works on the logical byte sequence of a descriptor chain, not on its descriptors: Linux before 6.3
/// puts the header and the payload in two descriptors (the layout Firecracker's packet.rs expects), Linux 6.3 and
/// later one descriptor for both; the device flattens either into one span and this type sees no difference.
/// </para>
/// <para>
/// Nothing here throws on input: a malformed packet is a <see cref="VsockPacketError"/>. The header is copied out of
/// the bytes once, so a guest rewriting its buffer meanwhile cannot change what was validated.
/// </para>
/// </summary>
public readonly ref struct VsockPacket
{
    /// <summary>The header size (virtio 1.2 §5.10.6: <c>struct virtio_vsock_hdr</c> is packed, 44 bytes).</summary>
    public const int HeaderSize = VsockHeader.Size;

    /// <summary>The largest payload accepted or produced: 64 KiB (Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE, Firecracker's MAX_PKT_BUF_SIZE).</summary>
    public const int MaxPayloadSize = 64 * 1024;

    /// <summary>The largest packet on the wire: header plus the largest payload.</summary>
    public const int MaxPacketSize = HeaderSize + MaxPayloadSize;

    public VsockPacket(VsockHeader header, ReadOnlySpan<byte> payload)
    {
        Header = header;
        Payload = payload;
    }

    public VsockHeader Header { get; }

    /// <summary>Exactly <see cref="VsockHeader.Length"/> bytes following the header (empty on error).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>
    /// Parses <paramref name="bytes"/> (header, then at least <c>len</c> bytes of payload; bytes beyond are ignored,
    /// as a driver's buffer may be larger than its packet). On any error but <see cref="VsockPacketError.HeaderTooShort"/>
    /// the <see cref="Header"/> of <paramref name="packet"/> is filled in and <see cref="Payload"/> is empty.
    /// </summary>
    public static VsockPacketError TryParse(ReadOnlySpan<byte> bytes, out VsockPacket packet)
    {
        if (!VsockHeader.TryRead(bytes, out VsockHeader header))
        {
            packet = default;
            return VsockPacketError.HeaderTooShort;
        }
        packet = new VsockPacket(header, default);
        if (header.Length > MaxPayloadSize)
        {
            return VsockPacketError.PayloadTooLong;
        }
        if ((uint)(bytes.Length - HeaderSize) < header.Length)
        {
            return VsockPacketError.PayloadTruncated;
        }
        if (header.SocketType != VsockSocketType.Stream)
        {
            return VsockPacketError.UnsupportedType;
        }
        if (header.Op is < (ushort)VsockOp.Request or > (ushort)VsockOp.CreditRequest)
        {
            return VsockPacketError.UnknownOp;
        }
        packet = new VsockPacket(header, bytes.Slice(HeaderSize, (int)header.Length));
        return VsockPacketError.None;
    }
}
