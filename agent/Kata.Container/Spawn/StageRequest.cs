namespace Kata.Container.Spawn;

/// <summary>What the engine sends the stage over the sync socket (descriptor <see cref="ContainerStage.SyncFd"/>).</summary>
internal sealed record StageRequest
{
    public StageMode Mode { get; init; }

    public string ContainerId { get; init; } = "";

    /// <summary>The container's config.json, serialized by Kata.Oci (the model is not copied here).</summary>
    public string SpecJson { get; init; } = "";

    /// <summary>Exec only: the process to run (Kata.Oci ProcessSpec JSON).</summary>
    public string? ProcessJson { get; init; }

    /// <summary>Init only: the absolute host path of the root filesystem.</summary>
    public string RootfsPath { get; init; } = "";

    /// <summary>Init only: the bundle directory, against which relative bind-mount sources resolve.</summary>
    public string BundlePath { get; init; } = "";

    /// <summary>Init only: the FIFO the stage waits on until <c>start</c> writes to it.</summary>
    public string? ExecFifoPath { get; init; }

    /// <summary>Init only: use MS_MOVE + chroot instead of pivot_root (the rootfs is on ramfs/initramfs).</summary>
    public bool NoPivotRoot { get; init; }

    /// <summary>Exec: host pid of the container's init, whose namespaces and root the process joins. Init: the stage's
    /// own host pid (the "pid" of the state its hooks get; it cannot see it from inside its pid namespace).</summary>
    public int InitPid { get; init; }
}
