namespace Kata.Container.Lifecycle;

/// <summary>Test access to the engine's internal <see cref="ChildProcess"/> reaper for processes tests spawn directly.</summary>
internal sealed class ChildProcessProbe : IDisposable
{
    private readonly ChildProcess _child;

    public ChildProcessProbe(int pid)
    {
        _child = new ChildProcess(pid);
    }

    public Task<int> ExitAsync() => _child.Exit;

    public void Dispose()
    {
        _child.Signal(Interop.LinuxConstants.SIGKILL);
        _child.Exit.Wait();
        _child.Dispose();
    }
}
