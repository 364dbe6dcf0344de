using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>An I/O scheduling class for process.ioPriority (config.md; ioprio_set(2)).</summary>
[JsonConverter(typeof(IoPriorityClassConverter))]
public enum IoPriorityClass
{
    /// <summary><c>IOPRIO_CLASS_RT</c>: Real-time class: served first.</summary>
    RealTime,

    /// <summary><c>IOPRIO_CLASS_BE</c>: Best-effort class (the default).</summary>
    BestEffort,

    /// <summary><c>IOPRIO_CLASS_IDLE</c>: Served only when no one else needs the disk.</summary>
    Idle,
}
