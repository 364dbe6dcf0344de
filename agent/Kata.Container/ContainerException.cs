namespace Kata.Container;

/// <summary>A container operation failed; the message says which container, which step and why.</summary>
public class ContainerException : Exception
{
    public ContainerException(string message) : base(message)
    {
    }

    public ContainerException(string message, Exception inner) : base(message, inner)
    {
    }
}
