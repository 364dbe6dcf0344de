namespace Kata.Hypervisor.Devices.Virtio.Block;

public sealed partial class VirtioBlock : IVirtioDeviceCounters
{
    /// <summary>Requests answered with a status byte (OK or an error) count as completed; chains without a status byte are errors.</summary>
    public VirtioDeviceActivity ReadActivity()
    {
        long refused = Counters[VirtioBlockCounter.UnsupportedRequests] + Counters[VirtioBlockCounter.MalformedRequests]
            + Counters[VirtioBlockCounter.OutOfRangeRequests] + Counters[VirtioBlockCounter.ReadOnlyViolations]
            + Counters[VirtioBlockCounter.HostIoErrors];
        long succeeded = Counters[VirtioBlockCounter.Reads] + Counters[VirtioBlockCounter.Writes] + Counters[VirtioBlockCounter.Flushes]
            + Counters[VirtioBlockCounter.GetIds];
        return new VirtioDeviceActivity(
            RequestsCompleted: succeeded + refused,
            BytesRead: Counters[VirtioBlockCounter.BytesRead],
            BytesWritten: Counters[VirtioBlockCounter.BytesWritten],
            InvalidChains: Counters[VirtioBlockCounter.InvalidChains],
            Errors: refused + Counters[VirtioBlockCounter.ChainsWithoutStatus]);
    }

    public IReadOnlyDictionary<string, long> SnapshotCounters() => Counters.Snapshot();
}
