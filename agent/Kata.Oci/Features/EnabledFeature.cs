namespace Kata.Oci.Features;

/// <summary>A feature that is only on or off (apparmor, selinux); null means unknown.</summary>
public sealed record EnabledFeature
{
    public bool? Enabled { get; init; }
}
