using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>An offset for one clock in a new time namespace (config-linux.md "Offset for Time Namespace").</summary>
public sealed record LinuxTimeOffset
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Secs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public uint Nanosecs { get; init; }
}
