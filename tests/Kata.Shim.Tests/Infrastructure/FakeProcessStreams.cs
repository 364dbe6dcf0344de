using System.Collections.Concurrent;
using Kata.Shim.Stdio;

namespace Kata.Shim.Tests.Infrastructure;

/// <summary>An agent's process streams in memory: queued output chunks then EOF, and a record of stdin.</summary>
public sealed class FakeProcessStreams : IProcessStreams
{
    private readonly ConcurrentQueue<byte[]> _stdout = new();
    private readonly ConcurrentQueue<byte[]> _stderr = new();

    public FakeProcessStreams(IEnumerable<string> stdout, IEnumerable<string> stderr)
    {
        foreach (string chunk in stdout)
        {
            _stdout.Enqueue(System.Text.Encoding.UTF8.GetBytes(chunk));
        }
        foreach (string chunk in stderr)
        {
            _stderr.Enqueue(System.Text.Encoding.UTF8.GetBytes(chunk));
        }
    }

    public MemoryStream Stdin { get; } = new();
    public bool StdinClosed { get; private set; }

    public async Task<(ReadOnlyMemory<byte> Data, bool Eof)> ReadAsync(bool stderr, CancellationToken cancel)
    {
        await Task.Yield();
        return (stderr ? _stderr : _stdout).TryDequeue(out byte[]? chunk) ? (chunk, false) : (ReadOnlyMemory<byte>.Empty, true);
    }

    public Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancel)
    {
        lock (Stdin)
        {
            Stdin.Write(data.Span);
        }
        return Task.CompletedTask;
    }

    public Task CloseStdinAsync(CancellationToken cancel)
    {
        StdinClosed = true;
        return Task.CompletedTask;
    }
}
