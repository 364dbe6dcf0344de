using System.Text.Json.Serialization;

namespace Kata.Container.Spawn;

/// <summary>Source-generated JSON for the engine ⇄ stage messages (NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(StageRequest))]
[JsonSerializable(typeof(StageReport))]
[JsonSerializable(typeof(StageResume))]
internal sealed partial class StageJsonContext : JsonSerializerContext
{
}
