namespace Kata.Oci.Features;

/// <summary>Seccomp support: what is recognized, and which filter flags the kernel here supports.</summary>
public sealed record SeccompFeatures
{
    public bool? Enabled { get; init; }

    public IReadOnlyList<string>? Actions { get; init; }

    public IReadOnlyList<string>? Operators { get; init; }

    public IReadOnlyList<string>? Archs { get; init; }

    public IReadOnlyList<string>? KnownFlags { get; init; }

    /// <summary>A subset of <see cref="KnownFlags"/>: what the kernel (and filter loader) here accept.</summary>
    public IReadOnlyList<string>? SupportedFlags { get; init; }
}
