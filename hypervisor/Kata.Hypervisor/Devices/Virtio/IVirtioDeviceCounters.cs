namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// A device's counters as the VMM's <c>metrics</c> command shows them: a summary in the same terms for every device
/// type (<see cref="VirtioDeviceActivity"/>) and every counter of its own by name. Counters are incremented by the
/// device as it serves the guest; reading them is lock-free and may run on any thread.
/// </summary>
public interface IVirtioDeviceCounters
{
    VirtioDeviceActivity ReadActivity();

    /// <summary>Every counter of the device by name.</summary>
    IReadOnlyDictionary<string, long> SnapshotCounters();
}
