using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>A flag passed to seccomp(2) SECCOMP_SET_MODE_FILTER (config-linux.md "Seccomp").</summary>
[JsonConverter(typeof(SeccompFlagConverter))]
public enum SeccompFlag
{
    /// <summary><c>SECCOMP_FILTER_FLAG_LOG</c>: Log every action except SECCOMP_RET_ALLOW (Linux 4.14).</summary>
    Log,

    /// <summary><c>SECCOMP_FILTER_FLAG_SPEC_ALLOW</c>: Do not enable the Speculative Store Bypass mitigation (Linux 4.17).</summary>
    SpecAllow,

    /// <summary><c>SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV</c>: Wait killably for the supervisor's answer (Linux 5.19).</summary>
    WaitKillableRecv,
}
