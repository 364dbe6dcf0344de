namespace Kata.Oci.Spec;

/// <summary>A hugetlb cgroup limit (config-linux.md "Huge page limits").</summary>
public sealed record LinuxHugepageLimit
{
    // A member left out of the JSON reaches the init accessor as null (the source generator passes defaults for
    // init-only members it did not read), so the accessor keeps the documented non-null default instead.
    private readonly string _pageSize = "";

    /// <summary>Page size with unit, <c>2MB</c>, <c>1GB</c> (REQUIRED).</summary>
    public string PageSize { get => _pageSize; init => _pageSize = value ?? ""; }

    /// <summary>Bytes (REQUIRED).</summary>
    public ulong Limit { get; init; }
}
