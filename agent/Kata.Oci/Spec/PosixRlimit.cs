namespace Kata.Oci.Spec;

/// <summary>One resource limit (config.md "POSIX process": rlimits; setrlimit(2)).</summary>
public sealed record PosixRlimit
{
    // A member left out of the JSON reaches the init accessor as null (the source generator passes defaults for
    // init-only members it did not read), so the accessor keeps the documented non-null default instead.
    private readonly string _type = "";

    /// <summary>The limit, <c>RLIMIT_NOFILE</c> style (REQUIRED).</summary>
    public string Type { get => _type; init => _type = value ?? ""; }

    /// <summary>Ceiling for the soft limit (rlim_max).</summary>
    public ulong Hard { get; init; }

    /// <summary>The value the kernel enforces (rlim_cur).</summary>
    public ulong Soft { get; init; }
}
