using System.Text.Json;

namespace Kata.Hypervisor.Api;

/// <summary>One request line: <c>{"id":1,"command":"shutdown","graceMs":2000}</c>.</summary>
public sealed record ControlApiRequest
{
    /// <summary>Echoed back in the response; a number or a string chosen by the client (may be absent).</summary>
    public JsonElement? Id { get; init; }

    /// <summary>One of <see cref="ControlApiProtocol.Commands"/>.</summary>
    public string? Command { get; init; }

    /// <summary>For <c>shutdown</c>: how long the guest gets to power off before the vCPUs are stopped.</summary>
    public int? GraceMs { get; init; }
}
