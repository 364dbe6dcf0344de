namespace Kata.Oci.Spec;

/// <summary>Lifecycle hooks (config.md "POSIX-platform Hooks"; when each runs: runtime.md "Lifecycle").</summary>
public sealed record Hooks
{
    /// <summary>Deprecated: after create's environment setup, before pivot_root, in the runtime namespace.</summary>
    public IReadOnlyList<Hook>? Prestart { get; init; }

    /// <summary>During create, after the environment is set up, before pivot_root, in the runtime namespace.</summary>
    public IReadOnlyList<Hook>? CreateRuntime { get; init; }

    /// <summary>During create, before pivot_root, in the container namespace.</summary>
    public IReadOnlyList<Hook>? CreateContainer { get; init; }

    /// <summary>During start, before the user process runs, in the container namespace.</summary>
    public IReadOnlyList<Hook>? StartContainer { get; init; }

    /// <summary>After the user process started, in the runtime namespace.</summary>
    public IReadOnlyList<Hook>? Poststart { get; init; }

    /// <summary>After the container is deleted, in the runtime namespace.</summary>
    public IReadOnlyList<Hook>? Poststop { get; init; }
}
