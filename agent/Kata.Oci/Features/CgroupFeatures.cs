namespace Kata.Oci.Features;

/// <summary>Which cgroup support is built in (not what the host uses); null means unknown.</summary>
public sealed record CgroupFeatures
{
    public bool? V1 { get; init; }

    public bool? V2 { get; init; }

    public bool? Systemd { get; init; }

    public bool? SystemdUser { get; init; }

    public bool? Rdma { get; init; }
}
