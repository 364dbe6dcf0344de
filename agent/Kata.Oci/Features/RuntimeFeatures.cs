namespace Kata.Oci.Features;

/// <summary>
/// What a runtime recognizes, as <c>runc features</c> prints it (runtime-spec 1.2 features.md). A null list means
/// "unknown", not "none".
/// </summary>
public sealed record RuntimeFeatures
{
    /// <summary>Lowest runtime-spec version recognized, e.g. "1.0.0".</summary>
    public string? OciVersionMin { get; init; }

    /// <summary>Highest runtime-spec version recognized, e.g. "1.2.0".</summary>
    public string? OciVersionMax { get; init; }

    /// <summary>Recognized hook names, e.g. "createRuntime".</summary>
    public IReadOnlyList<string>? Hooks { get; init; }

    /// <summary>Recognized mount options, e.g. "ro" (not filesystem-specific data).</summary>
    public IReadOnlyList<string>? MountOptions { get; init; }

    public LinuxFeatures? Linux { get; init; }

    /// <summary>Implementation-specific strings (version, extensions).</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Config annotations that may change the runtime's behaviour in unsafe ways; a trailing "." is a prefix.</summary>
    public IReadOnlyList<string>? PotentiallyUnsafeConfigAnnotations { get; init; }
}
