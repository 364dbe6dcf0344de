using System.Text.Json;
using Kata.Oci.Spec;

namespace Kata.Container.Spawn;

/// <summary>Reads the Kata.Oci models out of a <see cref="StageRequest"/>.</summary>
internal static class StageSpec
{
    public static RuntimeSpec ReadSpec(StageRequest request) =>
        JsonSerializer.Deserialize(request.SpecJson, SpecJsonContext.Default.RuntimeSpec)
            ?? throw new ContainerConfigException("the stage received an empty config");

    public static ProcessSpec ReadProcess(StageRequest request) =>
        request.ProcessJson is { } json
            ? JsonSerializer.Deserialize(json, SpecJsonContext.Default.ProcessSpec) ?? throw new ContainerConfigException("the stage received an empty process")
            : throw new ContainerConfigException("the stage received no process");
}
