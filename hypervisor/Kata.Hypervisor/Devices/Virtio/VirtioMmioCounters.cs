namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>Lock-free counters of one virtio-mmio transport, by <see cref="VirtioMmioCounter"/>.</summary>
public sealed class VirtioMmioCounters
{
    private readonly long[] _counts = new long[Enum.GetValues<VirtioMmioCounter>().Length];

    public long this[VirtioMmioCounter counter] => Interlocked.Read(ref _counts[(int)counter]);

    /// <summary>Every counter by name (for the metrics command).</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var snapshot = new Dictionary<string, long>();
        foreach (VirtioMmioCounter counter in Enum.GetValues<VirtioMmioCounter>())
        {
            snapshot[counter.ToString()] = this[counter];
        }
        return snapshot;
    }

    internal void Increment(VirtioMmioCounter counter) => Interlocked.Increment(ref _counts[(int)counter]);
}
