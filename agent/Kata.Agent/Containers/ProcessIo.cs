using Kata.Agent.Interop;
using Kata.Container.Lifecycle;
using Microsoft.Win32.SafeHandles;

namespace Kata.Agent.Containers;

/// <summary>
/// The stdio of one container process as the agent holds it: a stdin pipe (when asked for), and stdout/stderr pipes
/// whose contents are pumped into <see cref="OutputBuffer"/>s for ReadStdout/ReadStderr.
/// </summary>
public sealed class ProcessIo : IDisposable
{
    private readonly SafeFileHandle? _childStdin;
    private readonly SafeFileHandle _childStdout;
    private readonly SafeFileHandle _childStderr;
    private FileStream? _stdin;
    private readonly Task _pumps;

    private ProcessIo(bool withStdin)
    {
        if (withStdin)
        {
            (SafeFileHandle read, SafeFileHandle write) = Pipes.Create();
            _childStdin = read;
            _stdin = new FileStream(write, FileAccess.Write, bufferSize: 0);
        }
        (SafeFileHandle outRead, _childStdout) = Pipes.Create();
        (SafeFileHandle errRead, _childStderr) = Pipes.Create();
        _pumps = Task.WhenAll(Pump(outRead, Stdout), Pump(errRead, Stderr));
    }

    public OutputBuffer Stdout { get; } = new();
    public OutputBuffer Stderr { get; } = new();
    /// <summary>Completes when both output streams reached EOF (every writer, including children, closed them).</summary>
    public Task Drained => _pumps;

    /// <summary>The descriptors to hand to the engine for the child.</summary>
    public ContainerStdio ChildStdio => new(_childStdin, _childStdout, _childStderr);

    public static ProcessIo Create(bool withStdin) => new(withStdin);

    /// <summary>Closes the child's ends in the agent once the engine has duplicated them, so EOF arrives when the process ends.</summary>
    public void ReleaseChildEnds()
    {
        _childStdin?.Dispose();
        _childStdout.Dispose();
        _childStderr.Dispose();
    }

    public async Task<int> WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancel)
    {
        FileStream stdin = _stdin ?? throw new InvalidOperationException("the process has no stdin (it was not asked for, or it was closed)");
        await stdin.WriteAsync(data, cancel);
        return data.Length;
    }

    public void CloseStdin()
    {
        FileStream? stdin = Interlocked.Exchange(ref _stdin, null);
        stdin?.Dispose();
    }

    private static Task Pump(SafeFileHandle read, OutputBuffer buffer) => Task.Run(async () =>
    {
        using var stream = new FileStream(read, FileAccess.Read, bufferSize: 0);
        byte[] chunk = new byte[32 * 1024];
        try
        {
            while (true)
            {
                // Blocking read on a pool thread: a pipe cannot be registered with the runtime's async I/O.
                int n = stream.Read(chunk, 0, chunk.Length);
                if (n == 0)
                {
                    break;
                }
                await buffer.WriteAsync(chunk.AsMemory(0, n), CancellationToken.None);
            }
        }
        catch (IOException)
        {
            // The read end was closed under us (process removed): that is the end of the stream.
        }
        finally
        {
            buffer.Close();
        }
    });

    public void Dispose()
    {
        CloseStdin();
        ReleaseChildEnds();
    }
}
