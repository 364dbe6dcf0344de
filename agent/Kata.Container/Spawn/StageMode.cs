namespace Kata.Container.Spawn;

/// <summary>What a stage process is asked to do.</summary>
internal enum StageMode
{
    /// <summary>Become the container's init: namespaces, rootfs, process set-up, wait for start, execve.</summary>
    Init,

    /// <summary>Join a running container's namespaces and root, set up the process, execve at once.</summary>
    Exec,
}
