namespace Kata.Container.Cgroups.Stats;

/// <summary>Per-device I/O counters (v1 blkio.throttle.io_service_bytes / io_serviced; v2 io.stat).</summary>
public sealed record IoStats(IReadOnlyList<IoDeviceStats> Devices);
