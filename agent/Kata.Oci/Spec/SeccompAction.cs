using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>What the seccomp filter does on a match (config-linux.md "Seccomp"; seccomp(2) SECCOMP_RET_*).</summary>
[JsonConverter(typeof(SeccompActionConverter))]
public enum SeccompAction
{
    /// <summary><c>SCMP_ACT_KILL</c>: Kill the thread (SECCOMP_RET_KILL_THREAD).</summary>
    Kill,

    /// <summary><c>SCMP_ACT_KILL_PROCESS</c>: Kill the whole process (SECCOMP_RET_KILL_PROCESS).</summary>
    KillProcess,

    /// <summary><c>SCMP_ACT_KILL_THREAD</c>: Kill the thread (SECCOMP_RET_KILL_THREAD).</summary>
    KillThread,

    /// <summary><c>SCMP_ACT_TRAP</c>: Send SIGSYS (SECCOMP_RET_TRAP).</summary>
    Trap,

    /// <summary><c>SCMP_ACT_ERRNO</c>: Fail the call with errnoRet (default EPERM) (SECCOMP_RET_ERRNO).</summary>
    Errno,

    /// <summary><c>SCMP_ACT_TRACE</c>: Notify a ptrace tracer (SECCOMP_RET_TRACE).</summary>
    Trace,

    /// <summary><c>SCMP_ACT_ALLOW</c>: Let the call through (SECCOMP_RET_ALLOW).</summary>
    Allow,

    /// <summary><c>SCMP_ACT_LOG</c>: Let the call through and log it (SECCOMP_RET_LOG).</summary>
    Log,

    /// <summary><c>SCMP_ACT_NOTIFY</c>: Hand the call to a user-space supervisor (SECCOMP_RET_USER_NOTIF).</summary>
    Notify,
}
