namespace Kata.Oci.State;

/// <summary>The operations on an existing container (runtime-spec runtime.md "Operations", plus runc's pause/resume/exec/update).</summary>
public enum ContainerOperation
{
    Start,
    Kill,
    Delete,
    Pause,
    Resume,
    Exec,
    Update,
}
