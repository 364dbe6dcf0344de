using System.Collections.Frozen;

namespace Kata.Oci.Spec;

/// <summary>The rlimit names a config may use and their resource numbers on Linux (asm-generic/resource.h; getrlimit(2)).</summary>
public static class KnownRlimits
{
    /// <summary>Name (<c>RLIMIT_NOFILE</c>) to resource number (7).</summary>
    public static FrozenDictionary<string, int> Numbers { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["RLIMIT_CPU"] = 0,
        ["RLIMIT_FSIZE"] = 1,
        ["RLIMIT_DATA"] = 2,
        ["RLIMIT_STACK"] = 3,
        ["RLIMIT_CORE"] = 4,
        ["RLIMIT_RSS"] = 5,
        ["RLIMIT_NPROC"] = 6,
        ["RLIMIT_NOFILE"] = 7,
        ["RLIMIT_MEMLOCK"] = 8,
        ["RLIMIT_AS"] = 9,
        ["RLIMIT_LOCKS"] = 10,
        ["RLIMIT_SIGPENDING"] = 11,
        ["RLIMIT_MSGQUEUE"] = 12,
        ["RLIMIT_NICE"] = 13,
        ["RLIMIT_RTPRIO"] = 14,
        ["RLIMIT_RTTIME"] = 15,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>RLIM_INFINITY: no limit.</summary>
    public const ulong Infinity = ulong.MaxValue;

    public static bool IsKnown(string name) => Numbers.ContainsKey(name);
}
