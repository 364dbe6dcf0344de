using System.Buffers.Binary;

namespace Kata.Ttrpc.Framing;

/// <summary>
/// The 10-byte ttrpc frame header (PROTOCOL.md, "Message Frame"): data length u32 BE, stream id u32 BE, type u8,
/// flags u8. The total frame is <see cref="Size"/> + <see cref="Length"/> bytes.
/// </summary>
public readonly record struct FrameHeader(uint Length, uint StreamId, FrameType Type, FrameFlags Flags)
{
    /// <summary>Bytes in a header.</summary>
    public const int Size = 10;

    /// <summary>Largest data length accepted or sent: 4 MiB (channel.go messageLengthMax = 4 &lt;&lt; 20).</summary>
    public const int MaxDataLength = 4 << 20;

    /// <summary>
    /// Lengths from here on have the first header byte set, which the protocol reserves ("the first frame byte
    /// should always be zero"): such a header is not ttrpc at all, so the connection is dropped instead of
    /// waiting for up to 4 GiB of data to discard.
    /// </summary>
    public const uint ReservedLengthStart = 1u << 24;

    public static FrameHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException($"a ttrpc frame header is {Size} bytes, got {source.Length}", nameof(source));
        }

        return new FrameHeader(
            BinaryPrimitives.ReadUInt32BigEndian(source),
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
            (FrameType)source[8],
            (FrameFlags)source[9]);
    }

    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"a ttrpc frame header is {Size} bytes, got room for {destination.Length}", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StreamId);
        destination[8] = (byte)Type;
        destination[9] = (byte)Flags;
    }

    /// <summary>The message text ttrpc uses for an oversized message (channel.go), kept identical for peers that match on it.</summary>
    public static string OversizeMessage(long length) =>
        $"message length {length} exceed maximum message size of {MaxDataLength}";
}
