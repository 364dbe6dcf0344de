using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.ProcessSetup;

/// <summary>process.rlimits through setrlimit(2) (getrlimit(2) for the names).</summary>
internal static unsafe class ResourceLimits
{
    /// <summary>Checks names and soft ≤ hard up front, so a bad limit is reported before anything is set up.</summary>
    public static void Validate(IReadOnlyList<PosixRlimit>? limits)
    {
        foreach (var limit in limits ?? [])
        {
            if (!KnownRlimits.IsKnown(limit.Type))
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
            Errno.Check(Libc.Setrlimit(KnownRlimits.Numbers[limit.Type], &value), "setrlimit", limit.Type);
        }
    }
}
