namespace Kata.Oci.Spec;

/// <summary>One rule of the device allowlist (config-linux.md "Allowed Device Rules").</summary>
public sealed record LinuxDeviceCgroup
{
    /// <summary>Allow (true) or deny (false) the access (REQUIRED).</summary>
    public bool Allow { get; init; }

    /// <summary><c>a</c> (all), <c>c</c> or <c>b</c>; absent means all.</summary>
    public string? Type { get; init; }

    /// <summary>Major number; absent means all (<c>*</c>).</summary>
    public long? Major { get; init; }

    /// <summary>Minor number; absent means all (<c>*</c>).</summary>
    public long? Minor { get; init; }

    /// <summary>Some of <c>r</c>, <c>w</c>, <c>m</c>.</summary>
    public string? Access { get; init; }
}
