using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>The identity of the container process (config.md "POSIX-platform User").</summary>
public sealed record ProcessUser
{
    /// <summary>User id in the container namespace (REQUIRED).</summary>
    public uint Uid { get; init; }

    /// <summary>Group id in the container namespace (REQUIRED).</summary>
    public uint Gid { get; init; }

    /// <summary>umask(2) of the process; the runtime's default (0022) when absent.</summary>
    public uint? Umask { get; init; }

    /// <summary>Supplementary group ids (setgroups(2)).</summary>
    public IReadOnlyList<uint>? AdditionalGids { get; init; }

    /// <summary>Windows-only user name; kept so a config round-trips, ignored on Linux.</summary>
    public string? Username { get; init; }
}
