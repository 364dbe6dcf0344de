using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kata.Oci.Json;

/// <summary>
/// Reads and writes an enum as the exact string the OCI runtime-spec uses (<c>"SCMP_ACT_ALLOW"</c>, <c>"network"</c>).
/// The table is explicit (no reflection over enum names), so it is NativeAOT-safe and the C# member names stay free.
/// An unknown string or a non-string token fails with <see cref="SpecEnumValueException"/>, whose message names the
/// kind of value (<c>unknown namespace type "foo"</c>); the serializer adds the JSON path.
/// </summary>
public abstract class SpecEnumConverter<TEnum> : JsonConverter<TEnum>
    where TEnum : struct, Enum
{
    private readonly Dictionary<string, TEnum> _byName;
    private readonly Dictionary<TEnum, string> _byValue;
    private readonly List<string> _names = [];

    protected SpecEnumConverter(string description, IReadOnlyList<KeyValuePair<TEnum, string>> names)
    {
        Description = description;
        _byName = new Dictionary<string, TEnum>(StringComparer.Ordinal);
        _byValue = new Dictionary<TEnum, string>();
        foreach (var (value, name) in names)
        {
            _byName.Add(name, value);
            _byValue.Add(value, name);
            _names.Add(name);
        }
    }

    /// <summary>What the value is, for error messages: "namespace type", "seccomp action".</summary>
    public string Description { get; }

    /// <summary>Every spec string this enum accepts, in declaration order.</summary>
    public IReadOnlyList<string> SpecNames => _names;

    public string ToSpecName(TEnum value) =>
        _byValue.TryGetValue(value, out var name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(TEnum).Name} value {value} has no spec name");

    public bool TryParse(string name, out TEnum value) => _byName.TryGetValue(name, out value);

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new SpecEnumValueException($"expected a string ({Description}), got {JsonTokenNames.Describe(reader.TokenType)}");
        }

        var name = reader.GetString()!;
        if (_byName.TryGetValue(name, out var value))
        {
            return value;
        }

        throw new SpecEnumValueException($"unknown {Description} \"{name}\" (expected one of: {string.Join(", ", _names)})");
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
        writer.WriteStringValue(ToSpecName(value));
}
