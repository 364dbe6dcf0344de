namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>A queue-level error that no single chain explains: the queue stops and the device needs a reset (§2.1.2).</summary>
public enum VirtQueueFault
{
    None = 0,
    /// <summary>The available ring's idx moved more than the queue size past the device's position (§2.7.6.1, §2.7.13.3).</summary>
    AvailIndexJump,
    /// <summary>The rings could not be read or written (they were validated at set-up; this means a VMM bug).</summary>
    RingInaccessible,
}
