using System.Text.Json;
using System.Text.Json.Serialization;
using Kata.Oci.Json;
using Kata.Oci.Spec;

namespace Kata.Oci.State;

/// <summary>Writes and reads the state document (runtime.md "State"), with the same path-naming errors as config.json.</summary>
public static class StateSerializer
{
    private static StateJsonContext? s_indented;

    /// <summary>Indented with two spaces, as <c>runc state</c> prints it.</summary>
    private static StateJsonContext Indented => s_indented ??= new StateJsonContext(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
        WriteIndented = true,
    });

    /// <summary>Compact by default (hooks' stdin); <paramref name="indented"/> for a person (<c>kata-style state</c>).</summary>
    public static string Serialize(ContainerState state, bool indented = false) =>
        JsonSerializer.Serialize(state, indented ? Indented.ContainerState : StateJsonContext.Default.ContainerState);

    public static byte[] SerializeToUtf8Bytes(ContainerState state) =>
        JsonSerializer.SerializeToUtf8Bytes(state, StateJsonContext.Default.ContainerState);

    /// <summary>Parses a state document; bad input is a <see cref="SpecValidationException"/> naming the member.</summary>
    public static ContainerState Parse(string json, string sourceName)
    {
        return StrictJsonReader.Read(json, sourceName, StateJsonContext.Default.ContainerState);
    }
}
