namespace Kata.Container.Lifecycle;

/// <summary>Per-container options of <see cref="ContainerEngine.Create"/>.</summary>
public sealed record ContainerCreateOptions
{
    public ContainerStdio Stdio { get; init; } = ContainerStdio.Null;

    /// <summary>With process.terminal: send the pty master to this Unix socket (runc's --console-socket) instead of
    /// keeping it in <see cref="ContainerInstance.Console"/>.</summary>
    public string? ConsoleSocketPath { get; init; }

    /// <summary>Use MS_MOVE + chroot instead of pivot_root for this container.</summary>
    public bool NoPivotRoot { get; init; }
}
