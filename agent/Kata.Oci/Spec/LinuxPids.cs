namespace Kata.Oci.Spec;

/// <summary>pids cgroup limit (config-linux.md "pids").</summary>
public sealed record LinuxPids
{
    /// <summary>Maximum number of tasks; 0 or less means no limit (REQUIRED).</summary>
    public long Limit { get; init; }
}
