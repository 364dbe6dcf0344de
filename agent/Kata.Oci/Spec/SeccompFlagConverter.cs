using Kata.Oci.Json;

namespace Kata.Oci.Spec;

/// <summary>The spec strings of <see cref="SeccompFlag"/>.</summary>
public sealed class SeccompFlagConverter : SpecEnumConverter<SeccompFlag>
{
    /// <summary>Shared instance for name lookups outside of JSON (<c>SeccompFlagConverter.Instance.ToSpecName(...)</c>).</summary>
    public static readonly SeccompFlagConverter Instance = new();

    public SeccompFlagConverter() : base("seccomp flag",
    [
        new(SeccompFlag.Log, "SECCOMP_FILTER_FLAG_LOG"),
        new(SeccompFlag.SpecAllow, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
        new(SeccompFlag.WaitKillableRecv, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
    ])
    {
    }
}
