namespace Kata.Container.Hooks;

/// <summary>
/// The points in the lifecycle where hooks run (runtime-spec runtime.md "Lifecycle", config.md "POSIX-platform Hooks"),
/// in the order they run. Where each runs and what a failure means:
/// <list type="bullet">
/// <item><see cref="Prestart"/> (deprecated) and <see cref="CreateRuntime"/>: create, after the container's environment
/// is set up, before pivot_root, in the runtime namespace (the engine). A failure fails create.</item>
/// <item><see cref="CreateContainer"/>: right after those, in the container's namespaces, before pivot_root (the init
/// stage). A failure fails create.</item>
/// <item><see cref="StartContainer"/>: start, in the container, right before the user's program is executed (the init
/// stage, after the root switch). A failure fails start and the container stops.</item>
/// <item><see cref="Poststart"/>: after the user's program started, in the runtime namespace. A failure is a warning.</item>
/// <item><see cref="Poststop"/>: delete, after the container is gone, in the runtime namespace. A failure is a warning
/// and the remaining hooks still run.</item>
/// </list>
/// </summary>
public enum HookPhase
{
    Prestart,
    CreateRuntime,
    CreateContainer,
    StartContainer,
    Poststart,
    Poststop,
}
