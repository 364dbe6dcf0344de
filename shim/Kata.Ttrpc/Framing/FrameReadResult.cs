namespace Kata.Ttrpc.Framing;

/// <summary>What <see cref="FrameReader.ReadAsync"/> found next on the connection.</summary>
public enum FrameReadStatus
{
    /// <summary>A whole frame within the size limit.</summary>
    Frame,

    /// <summary>A frame above 4 MiB: its data was read and dropped; only the header is known.</summary>
    Oversized,

    /// <summary>The peer closed the connection at a frame boundary.</summary>
    EndOfStream,
}

/// <summary>A frame, an oversized frame's header, or the end of the stream.</summary>
public readonly record struct FrameReadResult(FrameReadStatus Status, Frame Frame)
{
    public static FrameReadResult EndOfStream { get; } = new(FrameReadStatus.EndOfStream, default);
}
