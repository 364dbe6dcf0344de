using Kata.Oci.Json;

namespace Kata.Oci.Spec;

/// <summary>The spec strings of <see cref="SchedulerFlag"/>.</summary>
public sealed class SchedulerFlagConverter : SpecEnumConverter<SchedulerFlag>
{
    /// <summary>Shared instance for name lookups outside of JSON (<c>SchedulerFlagConverter.Instance.ToSpecName(...)</c>).</summary>
    public static readonly SchedulerFlagConverter Instance = new();

    public SchedulerFlagConverter() : base("scheduler flag",
    [
        new(SchedulerFlag.ResetOnFork, "SCHED_FLAG_RESET_ON_FORK"),
        new(SchedulerFlag.Reclaim, "SCHED_FLAG_RECLAIM"),
        new(SchedulerFlag.DlOverrun, "SCHED_FLAG_DL_OVERRUN"),
        new(SchedulerFlag.KeepPolicy, "SCHED_FLAG_KEEP_POLICY"),
        new(SchedulerFlag.KeepParams, "SCHED_FLAG_KEEP_PARAMS"),
        new(SchedulerFlag.UtilClampMin, "SCHED_FLAG_UTIL_CLAMP_MIN"),
        new(SchedulerFlag.UtilClampMax, "SCHED_FLAG_UTIL_CLAMP_MAX"),
    ])
    {
    }
}
