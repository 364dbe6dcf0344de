namespace Kata.Oci.Spec;

/// <summary>
/// A bundle's <c>config.json</c> (OCI runtime-spec 1.2 config.md), Linux parts only. Optional members are null when
/// the file leaves them out, and are left out again when written; unknown members are ignored.
/// </summary>
public sealed record RuntimeSpec
{
    // A member left out of the JSON reaches the init accessor as null (the source generator passes defaults for
    // init-only members it did not read), so the accessor keeps the documented non-null default instead.
    private readonly string _ociVersion = "";

    /// <summary>The spec version the bundle complies with (SemVer, REQUIRED); a 1.x runtime accepts 1.x.</summary>
    public string OciVersion { get => _ociVersion; init => _ociVersion = value ?? ""; }

    /// <summary>The container's process; REQUIRED for <c>start</c>, may be absent for <c>create</c>.</summary>
    public ProcessSpec? Process { get; init; }

    /// <summary>The container's root filesystem.</summary>
    public Root? Root { get; init; }

    /// <summary>Hostname seen inside the container (needs a new uts namespace).</summary>
    public string? Hostname { get; init; }

    /// <summary>NIS domain name seen inside the container (needs a new uts namespace).</summary>
    public string? Domainname { get; init; }

    /// <summary>Mounts in order, on top of the root filesystem.</summary>
    public IReadOnlyList<Mount>? Mounts { get; init; }

    /// <summary>Lifecycle hooks (config.md "POSIX-platform Hooks").</summary>
    public Hooks? Hooks { get; init; }

    /// <summary>Arbitrary metadata (reverse-domain keys).</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>The Linux-specific configuration (config-linux.md).</summary>
    public LinuxSpec? Linux { get; init; }
}
