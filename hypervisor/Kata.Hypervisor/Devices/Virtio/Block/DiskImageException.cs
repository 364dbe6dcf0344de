namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>A disk image that cannot be used as asked (missing, wrong kind of file, bad size, not writable); the message names the path.</summary>
public sealed class DiskImageException : Exception
{
    public DiskImageException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
