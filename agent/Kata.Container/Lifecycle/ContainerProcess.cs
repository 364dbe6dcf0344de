using Kata.Container.Interop;
using Kata.Container.ProcessSetup;

namespace Kata.Container.Lifecycle;

/// <summary>A process exec'd into a running container.</summary>
public sealed class ContainerProcess
{
    private readonly ChildProcess _child;

    internal ContainerProcess(string containerId, ChildProcess child)
    {
        ContainerId = containerId;
        _child = child;
    }

    public string ContainerId { get; }

    /// <summary>The pid in the engine's pid namespace.</summary>
    public int Pid => _child.Pid;

    public bool HasExited => _child.HasExited;

    /// <summary>Sends a signal; false when the process has already exited.</summary>
    public bool Signal(int signal) => _child.Signal(signal);

    /// <summary>The exit status: the exit code, or 128 + the signal number.</summary>
    public Task<int> WaitAsync(CancellationToken cancellationToken = default) => _child.Exit.WaitAsync(cancellationToken);

    internal ChildProcess Child => _child;

    /// <summary>With process.terminal: the pty master.</summary>
    public FileDescriptor? Console { get; internal set; }

    /// <summary>Sets the terminal's window size (TIOCSWINSZ on the master).</summary>
    public void ResizeConsole(ushort rows, ushort columns) =>
        ConsoleTerminal.Resize(Console ?? throw new ContainerException($"process {Pid} of container {ContainerId} has no terminal"), rows, columns);
}
