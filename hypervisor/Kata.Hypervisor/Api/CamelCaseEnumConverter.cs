using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kata.Hypervisor.Api;

/// <summary>Enums as camelCase strings (<c>"running"</c>, <c>"hostShutdown"</c>), AOT-safe; integers are rejected.</summary>
public sealed class CamelCaseEnumConverter<TEnum> : JsonStringEnumConverter<TEnum>
    where TEnum : struct, Enum
{
    public CamelCaseEnumConverter() : base(JsonNamingPolicy.CamelCase, allowIntegerValues: false)
    {
    }
}
