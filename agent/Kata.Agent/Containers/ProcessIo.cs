using Kata.Agent.Interop;
using Kata.Container.Lifecycle;
using Microsoft.Win32.SafeHandles;

namespace Kata.Agent.Containers;

/// <summary>
/// The stdio of one container process as the agent holds it. With pipes: a stdin pipe (when asked for), and
/// stdout/stderr pipes whose contents are pumped into <see cref="OutputBuffer"/>s for ReadStdout/ReadStderr. With a
/// terminal (process.terminal): the pty master the engine hands over; what the process writes to its terminal is
/// pumped into stdout, WriteStdin writes to the master (the line discipline echoes and edits as on any terminal), and
/// stderr is empty, since a terminal has one output stream (agent.proto StdioConfig.terminal).
/// </summary>
public sealed class ProcessIo : IDisposable
{
    private readonly SafeFileHandle? _childStdin;
    private readonly SafeFileHandle? _childStdout;
    private readonly SafeFileHandle? _childStderr;
    private readonly Lock _stdinLock = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FileStream? _stdin;
    /// <summary>With a terminal: our copy of the master for ioctls (window size, termios), kept until disposed.</summary>
    private SafeFileHandle? _terminal;
    /// <summary>With a terminal: whether the last byte written ended a line (VEOF only ends input at a line start).</summary>
    private bool _atLineStart = true;

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
        Complete(Task.WhenAll(Pump(outRead, Stdout), Pump(errRead, Stderr)));
    }

    private ProcessIo()
    {
        IsTerminal = true;
        // A terminal carries everything on one stream: stderr stays empty and is at EOF from the start.
        Stderr.Close();
    }

    public OutputBuffer Stdout { get; } = new();
    public OutputBuffer Stderr { get; } = new();
    /// <summary>Completes when the output reached EOF: both pipes closed by every writer, or the terminal hung up
    /// (every holder of the slave closed it).</summary>
    public Task Drained => _drained.Task;

    public bool IsTerminal { get; }

    /// <summary>The descriptors to hand to the engine for the child; none for a terminal (the child gets the pty slave).</summary>
    public ContainerStdio ChildStdio => IsTerminal ? ContainerStdio.Null : new(_childStdin, _childStdout, _childStderr);

    public static ProcessIo Create(bool withStdin) => new(withStdin);

    /// <summary>Stdio over a terminal: call <see cref="AttachTerminal"/> with the master once the engine made it.</summary>
    public static ProcessIo CreateTerminal() => new();

    /// <summary>
    /// Takes in the pty master (the caller keeps its own handle): duplicates it for the output pump, for stdin and for
    /// the ioctls, and starts pumping. Duplicates, so that the engine closing its copy never pulls the descriptor out
    /// from under a blocked read.
    /// </summary>
    public void AttachTerminal(int master)
    {
        if (!IsTerminal || _terminal is not null)
        {
            throw new InvalidOperationException("the process's stdio is not a terminal, or its terminal is already attached");
        }
        SafeFileHandle? read = null, write = null, control = null;
        try
        {
            read = TerminalControl.Duplicate(master);
            write = TerminalControl.Duplicate(master);
            control = TerminalControl.Duplicate(master);
        }
        catch
        {
            read?.Dispose();
            write?.Dispose();
            control?.Dispose();
            throw;
        }
        _terminal = control;
        _stdin = new FileStream(write, FileAccess.Write, bufferSize: 0);
        Complete(Pump(read, Stdout));
    }

    /// <summary>Closes the child's ends in the agent once the engine has duplicated them, so EOF arrives when the process ends.</summary>
    public void ReleaseChildEnds()
    {
        _childStdin?.Dispose();
        _childStdout?.Dispose();
        _childStderr?.Dispose();
    }

    public async Task<int> WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancel)
    {
        FileStream stdin = _stdin ?? throw new InvalidOperationException("the process has no stdin (it was not asked for, or it was closed)");
        await stdin.WriteAsync(data, cancel);
        if (IsTerminal && data.Length > 0)
        {
            _atLineStart = data.Span[^1] is (byte)'\n' or (byte)'\r';
        }
        return data.Length;
    }

    /// <summary>
    /// Ends the process's input. A pipe is closed. A terminal cannot be closed without hanging up the session (SIGHUP,
    /// output lost), so the line discipline's end-of-file character is written instead, as a user types ^D: twice
    /// when a partial line is pending (the first one only hands that line over; termios(3) VEOF). A terminal in
    /// non-canonical mode has no end-of-file; its input is then only closed for further writes.
    /// </summary>
    public void CloseStdin() => CloseStdin(endOfFile: true);

    private void CloseStdin(bool endOfFile)
    {
        FileStream? stdin;
        lock (_stdinLock)
        {
            stdin = _stdin;
            _stdin = null;
        }
        if (stdin is null)
        {
            return;
        }
        using (stdin)
        {
            if (endOfFile && IsTerminal && _terminal is { IsClosed: false } terminal)
            {
                try
                {
                    if (TerminalControl.EndOfFileCharacter(terminal) is { } eof)
                    {
                        stdin.Write(_atLineStart ? [eof] : [eof, eof]);
                    }
                }
                catch (IOException)
                {
                    // The terminal hung up already (the process is gone): there is nobody to tell.
                }
            }
        }
    }

    /// <summary>Sets the terminal's window size (TIOCSWINSZ on the master; the foreground process group gets SIGWINCH).</summary>
    public void Resize(uint rows, uint columns)
    {
        SafeFileHandle terminal = _terminal ?? throw new InvalidOperationException("the process has no terminal (process.terminal is false)");
        // 0 is allowed: it is how a client without a size of its own says "unknown" (ctr under a 0x0 pty does), and
        // the kernel takes it; only what struct winsize cannot hold is refused.
        if (rows > ushort.MaxValue || columns > ushort.MaxValue)
        {
            throw new ArgumentException($"terminal size {rows}x{columns}: rows and columns must be 0..{ushort.MaxValue}");
        }
        TerminalControl.SetWindowSize(terminal, (ushort)rows, (ushort)columns);
    }

    private void Complete(Task pumps) => pumps.ContinueWith(_ => _drained.TrySetResult(), TaskScheduler.Default);

    // A dedicated thread per stream, not a pool thread: a pipe or pty cannot be registered with the runtime's async
    // I/O, so the read blocks, and blocked pool threads starved Kestrel of the threads that send gRPC answers (on a
    // 2-core host the pool grows by about one thread a second: CreateContainer's answer sat ~1 s in the queue).
    private static Task Pump(SafeFileHandle read, OutputBuffer buffer) => Task.Factory.StartNew(() =>
    {
        using var stream = new FileStream(read, FileAccess.Read, bufferSize: 0);
        byte[] chunk = new byte[32 * 1024];
        try
        {
            while (true)
            {
                int n = stream.Read(chunk, 0, chunk.Length);
                if (n == 0)
                {
                    break;
                }
                // Waits while the buffer is full (the client is not reading): back-pressure on the container's output.
                buffer.WriteAsync(chunk.AsMemory(0, n), CancellationToken.None).GetAwaiter().GetResult();
            }
        }
        catch (IOException)
        {
            // A pipe's read end closed under us (process removed), or a pty master's EIO once the last holder of the
            // slave closed it (pty(7)): either is the end of the stream.
        }
        finally
        {
            buffer.Close();
        }
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Dispose()
    {
        CloseStdin(endOfFile: false);
        ReleaseChildEnds();
        _terminal?.Dispose();
    }
}
