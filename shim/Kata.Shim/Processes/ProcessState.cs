namespace Kata.Shim.Processes;

/// <summary>The life of a shim process (a container's init or an exec), as containerd's runc shim models it.</summary>
public enum ProcessState
{
    Created,
    Running,
    Paused,
    Stopped,
    Deleted,
}
