namespace Kata.Oci.Features;

/// <summary>Intel RDT support.</summary>
public sealed record IntelRdtFeatures
{
    public bool? Enabled { get; init; }

    /// <summary>Whether linux.intelRdt.schemata is implemented.</summary>
    public bool? Schemata { get; init; }
}
