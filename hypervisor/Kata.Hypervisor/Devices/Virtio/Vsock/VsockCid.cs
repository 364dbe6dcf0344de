namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>Well-known context IDs (virtio 1.2 §5.10.4; Linux's VMADDR_CID_*).</summary>
public static class VsockCid
{
    /// <summary>VMADDR_CID_HOST: the host, the destination of every packet the guest may send here.</summary>
    public const ulong Host = 2;

    /// <summary>The lowest CID a guest may have (0, 1 and 2 are reserved, §5.10.4).</summary>
    public const ulong FirstGuest = 3;

    /// <summary>The highest CID a guest may have: guest_cid uses only its low 32 bits (§5.10.4); U32_MAX is VMADDR_CID_ANY.</summary>
    public const ulong LastGuest = uint.MaxValue - 1;
}
