using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>
/// Source-generated (NativeAOT-safe) JSON metadata for <c>config.json</c>: the spec's camelCase names, nulls left out
/// when writing, tab indentation like <c>runc spec</c>, strict reading (no comments, no trailing commas, numbers as
/// numbers, null only where the model allows it), unknown members ignored.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    WriteIndented = true,
    IndentCharacter = '\t',
    IndentSize = 1)]
[JsonSerializable(typeof(RuntimeSpec))]
[JsonSerializable(typeof(ProcessSpec))]
public sealed partial class SpecJsonContext : JsonSerializerContext
{
    private static SpecJsonContext? s_readable;

    /// <summary>Writer: the same settings, but without escaping <c>+</c>, <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> and
    /// non-ASCII text, so written files stay readable.</summary>
    public static SpecJsonContext Readable => s_readable ??= new SpecJsonContext(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
        WriteIndented = true,
        IndentCharacter = '\t',
        IndentSize = 1,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
