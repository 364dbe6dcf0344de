using System.Text.Json.Serialization;
using Kata.Oci.Spec;

namespace Kata.Cli.Commands;

/// <summary>An OCI LinuxResources object as JSON (update's -r file and the agent's linux_resources_json).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LinuxResources))]
internal sealed partial class ResourcesJsonContext : JsonSerializerContext;
