namespace Kata.Hypervisor.Devices.Virtio.Vsock;

/// <summary>Lock-free counters of one vsock device, by <see cref="VsockCounter"/>.</summary>
public sealed class VsockCounters
{
    private readonly long[] _counts = new long[Enum.GetValues<VsockCounter>().Length];

    public long this[VsockCounter counter] => Interlocked.Read(ref _counts[(int)counter]);

    /// <summary>Every counter by name (for the metrics command).</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var snapshot = new Dictionary<string, long>();
        foreach (VsockCounter counter in Enum.GetValues<VsockCounter>())
        {
            snapshot[counter.ToString()] = this[counter];
        }
        return snapshot;
    }

    internal void Increment(VsockCounter counter) => Interlocked.Increment(ref _counts[(int)counter]);

    internal void Add(VsockCounter counter, long value) => Interlocked.Add(ref _counts[(int)counter], value);
}
