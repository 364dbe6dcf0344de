namespace Kata.Hypervisor.Api;

/// <summary>What <see cref="NdjsonLineReader.ReadLineAsync"/> found.</summary>
public enum LineReadStatus
{
    /// <summary>A complete line (newline and a trailing carriage return removed).</summary>
    Line,
    /// <summary>The peer closed the stream between lines.</summary>
    EndOfStream,
    /// <summary>The peer closed the stream in the middle of a line; the partial line is dropped.</summary>
    Truncated,
    /// <summary>The line is longer than the limit; the stream cannot be resynchronised and should be closed.</summary>
    TooLong,
}
