using System.Text.Json.Serialization;

namespace Kata.Shim.Manager;

/// <summary>
/// The containerd 1.7+ answer of `start` (runtime/v2/shim BootstrapParams), printed instead of the bare address when
/// containerd is new enough to read it: 1.7 and 2.x set GRPC_ADDRESS for the shim, 1.6 does not and wants the address
/// alone. Version 2 = the Task API of shim.proto, which we serve as containerd.task.v2.Task and .v3.Task.
/// </summary>
public sealed record BootstrapParams(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("protocol")] string Protocol);
