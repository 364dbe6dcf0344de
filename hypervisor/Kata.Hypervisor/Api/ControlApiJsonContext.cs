using System.Text.Json;
using System.Text.Json.Serialization;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Api;

/// <summary>Source-generated (NativeAOT-safe) JSON metadata for every type on the control API's wire.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(CamelCaseEnumConverter<VmState>), typeof(CamelCaseEnumConverter<VmExitKind>), typeof(CamelCaseEnumConverter<VirtioDeviceType>)])]
[JsonSerializable(typeof(ControlApiRequest))]
[JsonSerializable(typeof(ControlApiResponse))]
[JsonSerializable(typeof(PingResult))]
[JsonSerializable(typeof(StateResult))]
[JsonSerializable(typeof(ShutdownResult))]
[JsonSerializable(typeof(VmMetrics))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(long))]
public sealed partial class ControlApiJsonContext : JsonSerializerContext
{
}
