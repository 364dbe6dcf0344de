namespace Kata.Ttrpc.Framing;

/// <summary>The message type byte of a frame header (ttrpc PROTOCOL.md, "Message Types").</summary>
public enum FrameType : byte
{
    /// <summary>Initiates a stream; carries a ttrpc Request.</summary>
    Request = 0x1,

    /// <summary>Final message of a stream; carries a ttrpc Response (status and payload).</summary>
    Response = 0x2,

    /// <summary>Stream data on an already opened stream (ttrpc 1.2 streaming).</summary>
    Data = 0x3,
}
