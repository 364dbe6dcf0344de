namespace Kata.Bench.Virtio;

/// <summary>What the bench guest's application does with its stream.</summary>
internal enum VsockBenchMode
{
    /// <summary>Reads and drops everything (host → guest throughput).</summary>
    Sink,
    /// <summary>Sends what <see cref="VsockBenchGuest.SendToHost"/> asks for (guest → host throughput).</summary>
    Source,
    /// <summary>Sends every byte back (round-trip latency).</summary>
    Echo,
}
