namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>Virtio device IDs (virtio 1.2 §5 "Device Types"): what the transport's DeviceID register reads.</summary>
public enum VirtioDeviceType : uint
{
    /// <summary>Reserved: a placeholder the driver ignores (§4.2.2.2).</summary>
    Invalid = 0,
    Network = 1,
    Block = 2,
    Console = 3,
    /// <summary>The entropy source, virtio-rng (§5.4).</summary>
    Entropy = 4,
    Balloon = 5,
    Scsi = 8,
    /// <summary>virtio-vsock (§5.10).</summary>
    Vsock = 19,
}
