using System.Text.Json.Serialization;

namespace Kata.Cli.State;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(CreatedRecord))]
[JsonSerializable(typeof(MonitorRecord))]
[JsonSerializable(typeof(ExitRecord))]
internal sealed partial class StateFilesJsonContext : JsonSerializerContext;
