using Kata.Oci.Spec;

namespace Kata.Container.Hooks;

/// <summary>The config.json names of the hook phases and the hooks a spec lists for each.</summary>
public static class HookPhases
{
    /// <summary>The member name under <c>hooks</c> in config.json (<c>createRuntime</c>, …).</summary>
    public static string SpecName(this HookPhase phase) => phase switch
    {
        HookPhase.Prestart => "prestart",
        HookPhase.CreateRuntime => "createRuntime",
        HookPhase.CreateContainer => "createContainer",
        HookPhase.StartContainer => "startContainer",
        HookPhase.Poststart => "poststart",
        HookPhase.Poststop => "poststop",
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "unknown hook phase"),
    };

    /// <summary>The hooks of <paramref name="phase"/>, in config order (empty when there are none).</summary>
    public static IReadOnlyList<Hook> Of(this Oci.Spec.Hooks? hooks, HookPhase phase)
    {
        if (hooks is null)
        {
            return [];
        }
        return (phase switch
        {
            HookPhase.Prestart => hooks.Prestart,
            HookPhase.CreateRuntime => hooks.CreateRuntime,
            HookPhase.CreateContainer => hooks.CreateContainer,
            HookPhase.StartContainer => hooks.StartContainer,
            HookPhase.Poststart => hooks.Poststart,
            HookPhase.Poststop => hooks.Poststop,
            _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "unknown hook phase"),
        }) ?? [];
    }

    /// <summary>The longest the hooks of <paramref name="phase"/> may take together by their timeouts; a wait on a
    /// process that runs them is extended by this. A hook without a timeout adds nothing (it is then bounded by the
    /// engine's stage timeout).</summary>
    public static TimeSpan TimeAllowed(this Oci.Spec.Hooks? hooks, HookPhase phase) =>
        TimeSpan.FromSeconds(hooks.Of(phase).Sum(hook => (long)(hook.Timeout ?? 0)));
}
