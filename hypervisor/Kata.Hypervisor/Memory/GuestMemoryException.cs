namespace Kata.Hypervisor.Memory;

/// <summary>A host-side access to guest memory that falls outside every region (a VMM bug or a bad layout).</summary>
public sealed class GuestMemoryException : Exception
{
    public GuestMemoryException(GuestAddress address, ulong length)
        : base($"guest memory access of {length} bytes at {address} is outside guest RAM")
    {
        Address = address;
        Length = length;
    }

    public GuestAddress Address { get; }
    public ulong Length { get; }
}
