using Kata.Oci.Json;

namespace Kata.Oci.Spec;

/// <summary>The spec strings of <see cref="SchedulerPolicy"/>.</summary>
public sealed class SchedulerPolicyConverter : SpecEnumConverter<SchedulerPolicy>
{
    /// <summary>Shared instance for name lookups outside of JSON (<c>SchedulerPolicyConverter.Instance.ToSpecName(...)</c>).</summary>
    public static readonly SchedulerPolicyConverter Instance = new();

    public SchedulerPolicyConverter() : base("scheduler policy",
    [
        new(SchedulerPolicy.Other, "SCHED_OTHER"),
        new(SchedulerPolicy.Fifo, "SCHED_FIFO"),
        new(SchedulerPolicy.RoundRobin, "SCHED_RR"),
        new(SchedulerPolicy.Batch, "SCHED_BATCH"),
        new(SchedulerPolicy.Iso, "SCHED_ISO"),
        new(SchedulerPolicy.Idle, "SCHED_IDLE"),
        new(SchedulerPolicy.Deadline, "SCHED_DEADLINE"),
    ])
    {
    }
}
