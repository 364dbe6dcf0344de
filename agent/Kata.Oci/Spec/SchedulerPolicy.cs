using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>A scheduling policy for process.scheduler (config.md; sched_setattr(2)).</summary>
[JsonConverter(typeof(SchedulerPolicyConverter))]
public enum SchedulerPolicy
{
    /// <summary><c>SCHED_OTHER</c>: The default time-sharing policy.</summary>
    Other,

    /// <summary><c>SCHED_FIFO</c>: Real-time first-in first-out.</summary>
    Fifo,

    /// <summary><c>SCHED_RR</c>: Real-time round robin.</summary>
    RoundRobin,

    /// <summary><c>SCHED_BATCH</c>: CPU-bound batch work.</summary>
    Batch,

    /// <summary><c>SCHED_ISO</c>: Reserved; not implemented by Linux.</summary>
    Iso,

    /// <summary><c>SCHED_IDLE</c>: Very low priority background work.</summary>
    Idle,

    /// <summary><c>SCHED_DEADLINE</c>: Earliest-deadline-first with runtime/deadline/period.</summary>
    Deadline,
}
