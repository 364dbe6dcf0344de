using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>Intel RDT settings through resctrl (config-linux.md "IntelRdt").</summary>
public sealed record LinuxIntelRdt
{
    /// <summary>resctrl group name (class of service).</summary>
    [JsonPropertyName("closID")]
    public string? ClosId { get; init; }

    /// <summary>Whole schemata written as-is; overrides the two below.</summary>
    public string? Schemata { get; init; }

    [JsonPropertyName("l3CacheSchema")]
    public string? L3CacheSchema { get; init; }

    public string? MemBwSchema { get; init; }

    [JsonPropertyName("enableCMT")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool EnableCmt { get; init; }

    [JsonPropertyName("enableMBM")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool EnableMbm { get; init; }
}
