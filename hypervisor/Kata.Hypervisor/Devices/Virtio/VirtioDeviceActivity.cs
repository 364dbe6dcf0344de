namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>What a device has done, in the same terms for every device type (see <see cref="IVirtioDeviceCounters"/>).</summary>
/// <param name="RequestsCompleted">Requests answered (virtio-blk: with any status; virtio-rng: filled or returned empty), or for virtio-vsock packets in both directions.</param>
/// <param name="BytesRead">Bytes the device read on the host side and gave the guest (from the image, a host socket, the entropy source).</param>
/// <param name="BytesWritten">Bytes the guest gave the device that it wrote on the host side (to the image, to a host socket).</param>
/// <param name="InvalidChains">Descriptor chains the queue rejected (<see cref="DescriptorChainError"/>), returned unused.</param>
/// <param name="Errors">Everything else the device refused or failed: malformed or unsupported requests, host I/O errors, protocol violations.</param>
/// <param name="ResetsSent">virtio-vsock only: RST packets the device sent the guest (refused, killed or unknown connections); null for other devices.</param>
public readonly record struct VirtioDeviceActivity(long RequestsCompleted, long BytesRead, long BytesWritten, long InvalidChains, long Errors, long? ResetsSent = null);
