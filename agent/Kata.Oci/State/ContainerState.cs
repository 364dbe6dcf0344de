using System.Text.Json.Serialization;

namespace Kata.Oci.State;

/// <summary>
/// The state of a container as the runtime reports it (runtime-spec runtime.md "State"): what <c>kata-style state</c>
/// prints and what hooks get on stdin.
/// </summary>
public sealed record ContainerState
{
    // A member left out of the JSON reaches the init accessor as null (the source generator passes defaults for
    // init-only members it did not read), so the accessor keeps the documented non-null default instead.
    private readonly string _ociVersion = Spec.SpecValidator.ImplementedVersion;

    /// <summary>The runtime-spec version of this state document.</summary>
    public string OciVersion { get => _ociVersion; init => _ociVersion = value ?? Spec.SpecValidator.ImplementedVersion; }

    /// <summary>The container's id, unique on this host.</summary>
    public required string Id { get; init; }

    public required ContainerStatus Status { get; init; }

    /// <summary>The container process's pid as seen by the host; REQUIRED (non-zero) when created or running.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Pid { get; init; }

    /// <summary>Absolute path of the container's bundle directory.</summary>
    public required string Bundle { get; init; }

    /// <summary>The annotations from the configuration.</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}
