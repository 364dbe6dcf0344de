namespace Kata.Oci.Features;

/// <summary>Mount extensions; for now only id-mapped mounts.</summary>
public sealed record MountExtensionsFeatures
{
    public EnabledFeature? Idmap { get; init; }
}
