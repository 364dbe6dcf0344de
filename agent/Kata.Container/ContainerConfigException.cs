namespace Kata.Container;

/// <summary>The container's configuration cannot be carried out as given; the message names the field and value.</summary>
public sealed class ContainerConfigException : Exception
{
    public ContainerConfigException(string message) : base(message)
    {
    }

    public ContainerConfigException(string message, Exception inner) : base(message, inner)
    {
    }
}
