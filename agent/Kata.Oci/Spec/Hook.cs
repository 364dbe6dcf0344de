namespace Kata.Oci.Spec;

/// <summary>One hook command; it gets the container state JSON on stdin (config.md "POSIX-platform Hooks").</summary>
public sealed record Hook
{
    // A member left out of the JSON reaches the init accessor as null (the source generator passes defaults for
    // init-only members it did not read), so the accessor keeps the documented non-null default instead.
    private readonly string _path = "";

    /// <summary>Absolute path of the executable, in the runtime namespace (REQUIRED).</summary>
    public string Path { get => _path; init => _path = value ?? ""; }

    /// <summary>argv, including argv[0].</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Environment, <c>KEY=value</c> entries.</summary>
    public IReadOnlyList<string>? Env { get; init; }

    /// <summary>Seconds before the hook is aborted; greater than zero when set.</summary>
    public int? Timeout { get; init; }
}
