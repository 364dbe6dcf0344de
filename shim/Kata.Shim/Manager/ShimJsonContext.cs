using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Kata.Shim.Manager;

/// <summary>Source-generated JSON (NativeAOT).</summary>
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(BootstrapParams))]
internal sealed partial class ShimJsonContext : JsonSerializerContext
{
}
