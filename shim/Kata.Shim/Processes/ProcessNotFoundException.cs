namespace Kata.Shim.Processes;

/// <summary>No such container or exec, or it has finished (answered as NOT_FOUND, which containerd treats as "gone").</summary>
public sealed class ProcessNotFoundException : Exception
{
    public ProcessNotFoundException(string message) : base(message)
    {
    }
}
