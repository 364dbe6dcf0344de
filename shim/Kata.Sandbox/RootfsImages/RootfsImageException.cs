namespace Kata.Sandbox.RootfsImages;

/// <summary>A rootfs image could not be built; the message names the source directory and what went wrong.</summary>
public sealed class RootfsImageException : Exception
{
    public RootfsImageException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
