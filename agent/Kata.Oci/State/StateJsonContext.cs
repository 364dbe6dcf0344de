using System.Text.Json.Serialization;

namespace Kata.Oci.State;

/// <summary>Source-generated JSON for the state document: the spec's camelCase names, nulls left out, compact.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(ContainerState))]
public sealed partial class StateJsonContext : JsonSerializerContext
{
}
