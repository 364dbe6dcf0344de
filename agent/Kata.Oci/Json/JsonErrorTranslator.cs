using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Kata.Oci.Spec;

namespace Kata.Oci.Json;

/// <summary>
/// Turns System.Text.Json failures into problems a person can act on: malformed JSON with its line and position,
/// a wrong type with what was expected and what was found (<c>process.args: expected an array of strings, got a
/// string ("sh")</c>), a missing required member, an unknown enum string.
/// </summary>
internal static partial class JsonErrorTranslator
{
    /// <summary>Checks the syntax alone; returns the problem, or null when <paramref name="json"/> is well-formed.</summary>
    public static SpecProblem? CheckSyntax(string json, out JsonDocument? document)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            document = null;
            return new SpecProblem("", "the document is empty (expected a JSON object)");
        }

        try
        {
            document = JsonDocument.Parse(json);
            return null;
        }
        catch (JsonException ex)
        {
            document = null;
            var line = (ex.LineNumber ?? 0) + 1;
            var position = (ex.BytePositionInLine ?? 0) + 1;
            return new SpecProblem("", string.Create(CultureInfo.InvariantCulture,
                $"malformed JSON at line {line}, position {position}: {StripLocation(ex.Message)}"));
        }
    }

    /// <summary>Explains a deserialization failure of well-formed JSON (<paramref name="document"/>) read as <paramref name="root"/>.</summary>
    public static IReadOnlyList<SpecProblem> Translate(JsonException ex, JsonDocument document, JsonTypeInfo root)
    {
        var segments = JsonErrorPath.Parse(ex.Path);
        var path = JsonErrorPath.ToSpecPath(segments);

        if (ex is SpecEnumValueException enumError)
        {
            return [new SpecProblem(path, enumError.Problem)];
        }

        var required = RequiredPropertiesPattern().Match(ex.Message);
        if (required.Success)
        {
            return QuotedNamePattern().Matches(required.Groups[1].Value)
                .Select(m => new SpecProblem(SpecPath.Property(path, m.Groups[1].Value), "is required"))
                .ToList();
        }

        var expected = ExpectedAt(root, segments);
        var actual = FindElement(document.RootElement, segments);
        if (expected is not null && actual is not null)
        {
            return [new SpecProblem(path, $"expected {expected}, got {DescribeValue(actual.Value)}")];
        }

        return [new SpecProblem(path, StripLocation(ex.Message))];
    }

    private static string? ExpectedAt(JsonTypeInfo root, IReadOnlyList<JsonPathSegment> segments)
    {
        var current = root;
        foreach (var segment in segments)
        {
            Type? next = current.Kind switch
            {
                JsonTypeInfoKind.Object when !segment.IsIndex =>
                    current.Properties.FirstOrDefault(p => p.Name == segment.Name)?.PropertyType,
                JsonTypeInfoKind.Enumerable when segment.IsIndex => current.ElementType,
                JsonTypeInfoKind.Dictionary when !segment.IsIndex => current.ElementType,
                _ => null,
            };
            if (next is null || current.Options.TypeInfoResolver?.GetTypeInfo(next, current.Options) is not { } info)
            {
                return null;
            }

            current = info;
        }

        return Describe(current, plural: false);
    }

    private static string Describe(JsonTypeInfo info, bool plural)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        var resolver = info.Options.TypeInfoResolver;
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                return plural ? "objects" : "an object";
            case JsonTypeInfoKind.Enumerable when info.ElementType is not null
                                                 && resolver?.GetTypeInfo(info.ElementType, info.Options) is { } element:
                return (plural ? "arrays of " : "an array of ") + Describe(element, plural: true);
            case JsonTypeInfoKind.Dictionary when info.ElementType is not null
                                                 && resolver?.GetTypeInfo(info.ElementType, info.Options) is { } value:
                return (plural ? "objects whose values are " : "an object whose values are ") + Describe(value, plural: true);
        }

        var range = IntegerRange(type);
        if (range is not null)
        {
            return (plural ? "integers " : "an integer ") + range;
        }

        if (type == typeof(string))
        {
            return plural ? "strings" : "a string";
        }

        if (type == typeof(bool))
        {
            return plural ? "booleans" : "true or false";
        }

        if (type.IsEnum)
        {
            return plural ? "strings" : "a string";
        }

        return plural ? $"{type.Name} values" : $"a {type.Name} value";
    }

    private static string? IntegerRange(Type type)
    {
        static string Range(object min, object max) => string.Create(CultureInfo.InvariantCulture, $"from {min} to {max}");

        if (type == typeof(byte)) return Range(byte.MinValue, byte.MaxValue);
        if (type == typeof(ushort)) return Range(ushort.MinValue, ushort.MaxValue);
        if (type == typeof(short)) return Range(short.MinValue, short.MaxValue);
        if (type == typeof(uint)) return Range(uint.MinValue, uint.MaxValue);
        if (type == typeof(int)) return Range(int.MinValue, int.MaxValue);
        if (type == typeof(ulong)) return Range(ulong.MinValue, ulong.MaxValue);
        if (type == typeof(long)) return Range(long.MinValue, long.MaxValue);
        return null;
    }

    private static JsonElement? FindElement(JsonElement root, IReadOnlyList<JsonPathSegment> segments)
    {
        var current = root;
        foreach (var segment in segments)
        {
            if (segment.IsIndex)
            {
                if (current.ValueKind != JsonValueKind.Array || segment.Index >= current.GetArrayLength())
                {
                    return null;
                }

                current = current[segment.Index];
            }
            else
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment.Name!, out var child))
                {
                    return null;
                }

                current = child;
            }
        }

        return current;
    }

    private static string DescribeValue(JsonElement value)
    {
        const int MaxShown = 60;
        var raw = value.GetRawText();
        if (raw.Length > MaxShown)
        {
            raw = raw[..MaxShown] + "…";
        }

        return value.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.Null => "null",
            JsonValueKind.True or JsonValueKind.False => raw,
            _ => $"{JsonTokenNames.Describe(value.ValueKind)} ({raw})",
        };
    }

    /// <summary>Drops the " Path: $ | LineNumber: 0 | BytePositionInLine: 1." and " LineNumber: …" tails.</summary>
    private static string StripLocation(string message)
    {
        foreach (var marker in new[] { " Path: ", " LineNumber: " })
        {
            var at = message.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                message = message[..at];
            }
        }

        return message.TrimEnd();
    }

    [GeneratedRegex("missing required properties including: (.*)", RegexOptions.Singleline)]
    private static partial Regex RequiredPropertiesPattern();

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedNamePattern();
}
