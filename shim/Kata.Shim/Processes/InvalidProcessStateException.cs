namespace Kata.Shim.Processes;

/// <summary>An operation the process's current state does not allow (answered as FAILED_PRECONDITION).</summary>
public sealed class InvalidProcessStateException : InvalidOperationException
{
    public InvalidProcessStateException(string process, string operation, ProcessState state)
        : base($"cannot {operation} {process}: it is {state.ToString().ToLowerInvariant()}")
    {
        Operation = operation;
        State = state;
    }

    public string Operation { get; }
    public ProcessState State { get; }
}
