using System.Text.Json.Serialization;

namespace Kata.Oci.Features;

/// <summary>Source-generated JSON for the features document: camelCase, nulls (unknowns) left out, indented like runc.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    WriteIndented = true,
    IndentCharacter = '\t',
    IndentSize = 1)]
[JsonSerializable(typeof(RuntimeFeatures))]
public sealed partial class FeaturesJsonContext : JsonSerializerContext
{
}
