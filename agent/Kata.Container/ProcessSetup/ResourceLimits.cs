using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.ProcessSetup;

/// <summary>process.rlimits through setrlimit(2) (getrlimit(2) for the names).</summary>
internal static unsafe class ResourceLimits
{
    private static readonly Dictionary<string, int> Resources = new(StringComparer.Ordinal)
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
    };

    /// <summary>Checks names and soft ≤ hard up front, so a bad limit is reported before anything is set up.</summary>
    public static void Validate(IReadOnlyList<PosixRlimit>? limits)
    {
        foreach (var limit in limits ?? [])
        {
            if (!Resources.ContainsKey(limit.Type))
            {
                throw new ContainerConfigException($"process.rlimits: unknown type '{limit.Type}'");
            }
            if (limit.Soft > limit.Hard)
            {
                throw new ContainerConfigException($"process.rlimits: {limit.Type} soft limit {limit.Soft} is above the hard limit {limit.Hard}");
            }
        }
    }

    public static void Apply(IReadOnlyList<PosixRlimit>? limits)
    {
        Validate(limits);
        foreach (var limit in limits ?? [])
        {
            var value = new Rlimit { Current = limit.Soft, Maximum = limit.Hard };
            Errno.Check(Libc.Setrlimit(Resources[limit.Type], &value), "setrlimit", limit.Type);
        }
    }
}
