namespace Kata.Sandbox;

/// <summary>A sandbox that could not be started; the message says why and carries the tail of its logs.</summary>
public sealed class SandboxStartException : Exception
{
    public SandboxStartException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
