namespace Kata.Shim.Processes;

/// <summary>A container or exec id that is taken (answered as ALREADY_EXISTS).</summary>
public sealed class ProcessAlreadyExistsException : Exception
{
    public ProcessAlreadyExistsException(string message) : base(message)
    {
    }
}
