using Kata.Oci.Json;

namespace Kata.Oci.State;

/// <summary>The status strings of runtime.md (<c>creating</c>, <c>created</c>, <c>running</c>, <c>stopped</c>) and runc's <c>paused</c>.</summary>
public sealed class ContainerStatusConverter : SpecEnumConverter<ContainerStatus>
{
    public static readonly ContainerStatusConverter Instance = new();

    public ContainerStatusConverter() : base("container status",
    [
        new(ContainerStatus.Creating, "creating"),
        new(ContainerStatus.Created, "created"),
        new(ContainerStatus.Running, "running"),
        new(ContainerStatus.Stopped, "stopped"),
        new(ContainerStatus.Paused, "paused"),
    ])
    {
    }
}
