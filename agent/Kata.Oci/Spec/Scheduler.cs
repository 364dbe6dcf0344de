using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>Scheduling attributes of the process (config.md "Scheduler"; sched_setattr(2)).</summary>
public sealed record Scheduler
{
    public required SchedulerPolicy Policy { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Nice { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Priority { get; init; }

    public IReadOnlyList<SchedulerFlag>? Flags { get; init; }

    /// <summary>SCHED_DEADLINE runtime in nanoseconds.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Runtime { get; init; }

    /// <summary>SCHED_DEADLINE deadline in nanoseconds.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Deadline { get; init; }

    /// <summary>SCHED_DEADLINE period in nanoseconds.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Period { get; init; }
}
