namespace Kata.Oci.Features;

/// <summary>The Linux part of the features document (features-linux.md).</summary>
public sealed record LinuxFeatures
{
    /// <summary>Recognized namespace types, e.g. "mount".</summary>
    public IReadOnlyList<string>? Namespaces { get; init; }

    /// <summary>Recognized capabilities, e.g. "CAP_SYS_ADMIN".</summary>
    public IReadOnlyList<string>? Capabilities { get; init; }

    public CgroupFeatures? Cgroup { get; init; }

    public SeccompFeatures? Seccomp { get; init; }

    public EnabledFeature? Apparmor { get; init; }

    public EnabledFeature? Selinux { get; init; }

    public IntelRdtFeatures? IntelRdt { get; init; }

    public MountExtensionsFeatures? MountExtensions { get; init; }
}
