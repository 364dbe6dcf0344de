namespace Kata.Oci.Spec;

/// <summary>personality(2) settings (config-linux.md "Personality").</summary>
public sealed record LinuxPersonality
{
    public required PersonalityDomain Domain { get; init; }

    /// <summary>Additional flags; the spec defines none yet, so any present is refused by validation.</summary>
    public IReadOnlyList<string>? Flags { get; init; }
}
