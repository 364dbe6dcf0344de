namespace Kata.Hypervisor.Devices.Virtio;

/// <summary><c>virtq_desc.flags</c> (virtio 1.2 §2.7.5).</summary>
[Flags]
public enum VirtqDescriptorFlags : ushort
{
    None = 0,
    /// <summary>VIRTQ_DESC_F_NEXT: the chain continues at <c>next</c>.</summary>
    Next = 1,
    /// <summary>VIRTQ_DESC_F_WRITE: the buffer is device-writable (otherwise device-readable).</summary>
    Write = 2,
    /// <summary>VIRTQ_DESC_F_INDIRECT: the buffer is a table of descriptors (§2.7.5.3).</summary>
    Indirect = 4,
}
