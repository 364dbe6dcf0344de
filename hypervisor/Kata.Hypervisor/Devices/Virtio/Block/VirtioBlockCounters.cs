namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>Lock-free counters of one <see cref="VirtioBlock"/>, by <see cref="VirtioBlockCounter"/>.</summary>
public sealed class VirtioBlockCounters
{
    private readonly long[] _counts = new long[Enum.GetValues<VirtioBlockCounter>().Length];

    public long this[VirtioBlockCounter counter] => Interlocked.Read(ref _counts[(int)counter]);

    /// <summary>Every counter by name (for the metrics command).</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var snapshot = new Dictionary<string, long>();
        foreach (VirtioBlockCounter counter in Enum.GetValues<VirtioBlockCounter>())
        {
            snapshot[counter.ToString()] = this[counter];
        }
        return snapshot;
    }

    internal void Increment(VirtioBlockCounter counter) => Interlocked.Increment(ref _counts[(int)counter]);

    internal void Add(VirtioBlockCounter counter, long value) => Interlocked.Add(ref _counts[(int)counter], value);
}
