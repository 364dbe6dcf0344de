namespace Kata.Oci.Spec;

/// <summary>I/O priority of the process (config.md "ioPriority"; ioprio_set(2)).</summary>
public sealed record IoPriority
{
    public required IoPriorityClass Class { get; init; }

    /// <summary>Priority within the class, 0 (highest) to 7.</summary>
    public int Priority { get; init; }
}
