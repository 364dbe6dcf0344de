using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kata.Vmm;

/// <summary>Source-generated (NativeAOT-safe) JSON for <see cref="VmmConfigFile"/>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(VmmConfigFile))]
public sealed partial class VmmConfigJsonContext : JsonSerializerContext
{
}
