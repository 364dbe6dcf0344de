namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>A host-side vsock failure a user can act on (the Unix socket path cannot be bound, a bad option).</summary>
public sealed class VsockException : Exception
{
    public VsockException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
