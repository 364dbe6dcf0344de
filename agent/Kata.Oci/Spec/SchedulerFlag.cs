using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>A sched_setattr(2) flag for process.scheduler.flags (config.md).</summary>
[JsonConverter(typeof(SchedulerFlagConverter))]
public enum SchedulerFlag
{
    /// <summary><c>SCHED_FLAG_RESET_ON_FORK</c>: Children do not inherit a privileged policy.</summary>
    ResetOnFork,

    /// <summary><c>SCHED_FLAG_RECLAIM</c>: SCHED_DEADLINE may reclaim unused bandwidth.</summary>
    Reclaim,

    /// <summary><c>SCHED_FLAG_DL_OVERRUN</c>: Send SIGXCPU on a deadline overrun.</summary>
    DlOverrun,

    /// <summary><c>SCHED_FLAG_KEEP_POLICY</c>: Keep the current policy.</summary>
    KeepPolicy,

    /// <summary><c>SCHED_FLAG_KEEP_PARAMS</c>: Keep the current parameters.</summary>
    KeepParams,

    /// <summary><c>SCHED_FLAG_UTIL_CLAMP_MIN</c>: Set the minimum utilization clamp.</summary>
    UtilClampMin,

    /// <summary><c>SCHED_FLAG_UTIL_CLAMP_MAX</c>: Set the maximum utilization clamp.</summary>
    UtilClampMax,
}
