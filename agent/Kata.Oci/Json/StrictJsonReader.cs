using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kata.Oci.Spec;

namespace Kata.Oci.Json;

/// <summary>
/// Reads one JSON document into a model type, turning every failure into a <see cref="SpecValidationException"/>:
/// syntax first (so malformed text reports its line and position), then the types (so a wrong type reports the member).
/// </summary>
internal static class StrictJsonReader
{
    public static T Read<T>(string json, string sourceName, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        var syntax = JsonErrorTranslator.CheckSyntax(json, out var document);
        if (syntax is not null || document is null)
        {
            throw new SpecValidationException(sourceName, [syntax ?? new SpecProblem("", "malformed JSON")]);
        }

        using (document)
        {
            try
            {
                return JsonSerializer.Deserialize(json, typeInfo)
                       ?? throw new SpecValidationException(sourceName, [new SpecProblem("", "expected an object, got null")]);
            }
            catch (JsonException ex)
            {
                throw new SpecValidationException(sourceName, JsonErrorTranslator.Translate(ex, document, typeInfo));
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or NotSupportedException)
            {
                // Safety net: whatever else the serializer throws for odd input is still a bad file, not a crash.
                throw new SpecValidationException(sourceName, [new SpecProblem("", $"cannot be read: {ex.Message}")]);
            }
        }
    }
}
