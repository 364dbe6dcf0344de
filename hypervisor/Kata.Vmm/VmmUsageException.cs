namespace Kata.Vmm;

/// <summary>A command-line or configuration-file error; the message names the flag or property to fix.</summary>
public sealed class VmmUsageException : Exception
{
    public VmmUsageException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
