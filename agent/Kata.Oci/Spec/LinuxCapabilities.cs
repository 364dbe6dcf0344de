namespace Kata.Oci.Spec;

/// <summary>The capability sets of the process, names like <c>CAP_KILL</c> (config.md "Linux Process"; capabilities(7)).</summary>
public sealed record LinuxCapabilities
{
    public IReadOnlyList<string>? Bounding { get; init; }

    public IReadOnlyList<string>? Effective { get; init; }

    public IReadOnlyList<string>? Inheritable { get; init; }

    public IReadOnlyList<string>? Permitted { get; init; }

    public IReadOnlyList<string>? Ambient { get; init; }
}
