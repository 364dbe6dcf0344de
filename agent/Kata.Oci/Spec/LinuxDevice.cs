namespace Kata.Oci.Spec;

/// <summary>A device node to create in the container (config-linux.md "Devices"; mknod(2)).</summary>
public sealed record LinuxDevice
{
    // A member left out of the JSON reaches the init accessor as null (the source generator passes defaults for
    // init-only members it did not read), so the accessor keeps the documented non-null default instead.
    private readonly string _path = "";
    private readonly string _type = "";

    /// <summary>Absolute path inside the container (REQUIRED).</summary>
    public string Path { get => _path; init => _path = value ?? ""; }

    /// <summary><c>c</c> (or <c>u</c>) character, <c>b</c> block, <c>p</c> FIFO (REQUIRED).</summary>
    public string Type { get => _type; init => _type = value ?? ""; }

    /// <summary>Major number; required for c, u and b.</summary>
    public long Major { get; init; }

    /// <summary>Minor number; required for c, u and b.</summary>
    public long Minor { get; init; }

    /// <summary>Permission bits (the spec's JSON carries them as a decimal number).</summary>
    public uint? FileMode { get; init; }

    public uint? Uid { get; init; }

    public uint? Gid { get; init; }
}
