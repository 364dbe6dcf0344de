namespace Kata.Ttrpc.Framing;

/// <summary>The flags byte of a frame header; meaning depends on the type (ttrpc PROTOCOL.md, "Request Flags", "Data").</summary>
[Flags]
public enum FrameFlags : byte
{
    None = 0,

    /// <summary>The sender sends no more data on this stream (the receiver's remote side is closed).</summary>
    RemoteClosed = 0x1,

    /// <summary>On a request: the sender will still send data frames (streaming client).</summary>
    RemoteOpen = 0x2,

    /// <summary>On a data frame: no message in this frame (used with RemoteClosed to just close).</summary>
    NoData = 0x4,
}
