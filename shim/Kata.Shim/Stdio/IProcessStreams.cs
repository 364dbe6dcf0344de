namespace Kata.Shim.Stdio;

/// <summary>A process's stdio as the agent offers it: pull stdout/stderr, push stdin (agent.proto Read*/WriteStdin).</summary>
public interface IProcessStreams
{
    /// <summary>Waits for output; an empty result with <c>Eof</c> once the stream is closed and drained.</summary>
    Task<(ReadOnlyMemory<byte> Data, bool Eof)> ReadAsync(bool stderr, CancellationToken cancel);

    Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancel);

    Task CloseStdinAsync(CancellationToken cancel);
}
