namespace Kata.Container.Cgroups.Stats;

/// <summary>pids.current and pids.max ("max" reads as <see cref="ulong.MaxValue"/>).</summary>
public sealed record PidsStats(ulong Current, ulong Limit);
