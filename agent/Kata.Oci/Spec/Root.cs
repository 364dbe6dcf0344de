using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>The root filesystem (config.md "Root").</summary>
public sealed record Root
{
    // A member left out of the JSON reaches the init accessor as null (the source generator passes defaults for
    // init-only members it did not read), so the accessor keeps the documented non-null default instead.
    private readonly string _path = "";

    /// <summary>Path to the root filesystem, absolute or relative to the bundle (REQUIRED).</summary>
    public string Path { get => _path; init => _path = value ?? ""; }

    /// <summary>Mount the root filesystem read-only.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Readonly { get; init; }

    /// <summary>The root filesystem as an absolute host path: <see cref="Path"/> itself, or resolved against the bundle.</summary>
    public string ResolvePath(string bundleDir) =>
        System.IO.Path.IsPathRooted(Path) ? Path : System.IO.Path.GetFullPath(System.IO.Path.Combine(bundleDir, Path));
}
