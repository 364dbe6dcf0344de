using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kata.Hypervisor.Api;

/// <summary>
/// One response line: <c>{"id":1,"ok":true,"result":{...}}</c> or <c>{"id":1,"ok":false,"error":"..."}</c>.
/// <see cref="Id"/> is always written (null when the request had none or could not be read).
/// </summary>
public sealed record ControlApiResponse
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public JsonElement? Id { get; init; }

    public bool Ok { get; init; }

    public JsonElement? Result { get; init; }

    public string? Error { get; init; }

    public static ControlApiResponse Success(JsonElement? id, JsonElement result) => new() { Id = id, Ok = true, Result = result };

    public static ControlApiResponse Failure(JsonElement? id, string error) => new() { Id = id, Ok = false, Error = error };
}
