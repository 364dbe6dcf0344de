using System.Text.Json.Serialization;

namespace Kata.Oci.State;

/// <summary>Where a container is in its lifecycle (runtime-spec runtime.md "State": status).</summary>
[JsonConverter(typeof(ContainerStatusConverter))]
public enum ContainerStatus
{
    /// <summary><c>creating</c>: the create operation is in progress.</summary>
    Creating,

    /// <summary><c>created</c>: create finished; the user process has not been started yet.</summary>
    Created,

    /// <summary><c>running</c>: the user process has been started and has not exited.</summary>
    Running,

    /// <summary><c>stopped</c>: the container process has exited.</summary>
    Stopped,

    /// <summary><c>paused</c>: frozen by the freezer cgroup (not in the spec; runc reports it so, and so do we).</summary>
    Paused,
}
