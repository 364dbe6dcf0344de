namespace Kata.Container.Cgroups.Stats;

/// <summary>
/// Memory use in bytes. Limits read as the kernel reports them (v1's "unlimited" is 9223372036854771712; v2's "max"
/// is <see cref="ulong.MaxValue"/>). <see cref="Raw"/> is memory.stat as read.
/// </summary>
public sealed record MemoryStats(
    ulong Usage,
    ulong? MaxUsage,
    ulong Limit,
    ulong Cache,
    ulong Rss,
    ulong? SwapUsage,
    ulong? SwapLimit,
    ulong OomKills,
    IReadOnlyDictionary<string, ulong> Raw);
