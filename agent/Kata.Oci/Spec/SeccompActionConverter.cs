using Kata.Oci.Json;

namespace Kata.Oci.Spec;

/// <summary>The spec strings of <see cref="SeccompAction"/>.</summary>
public sealed class SeccompActionConverter : SpecEnumConverter<SeccompAction>
{
    /// <summary>Shared instance for name lookups outside of JSON (<c>SeccompActionConverter.Instance.ToSpecName(...)</c>).</summary>
    public static readonly SeccompActionConverter Instance = new();

    public SeccompActionConverter() : base("seccomp action",
    [
        new(SeccompAction.Kill, "SCMP_ACT_KILL"),
        new(SeccompAction.KillProcess, "SCMP_ACT_KILL_PROCESS"),
        new(SeccompAction.KillThread, "SCMP_ACT_KILL_THREAD"),
        new(SeccompAction.Trap, "SCMP_ACT_TRAP"),
        new(SeccompAction.Errno, "SCMP_ACT_ERRNO"),
        new(SeccompAction.Trace, "SCMP_ACT_TRACE"),
        new(SeccompAction.Allow, "SCMP_ACT_ALLOW"),
        new(SeccompAction.Log, "SCMP_ACT_LOG"),
        new(SeccompAction.Notify, "SCMP_ACT_NOTIFY"),
    ])
    {
    }
}
