namespace Kata.Oci.Spec;

/// <summary>The seccomp filter (config-linux.md "Seccomp").</summary>
public sealed record LinuxSeccomp
{
    /// <summary>Action for every syscall no rule matches (REQUIRED).</summary>
    public required SeccompAction DefaultAction { get; init; }

    /// <summary>errno for a default action of <see cref="SeccompAction.Errno"/> (EPERM when absent).</summary>
    public uint? DefaultErrnoRet { get; init; }

    /// <summary>Extra ABIs the filter also covers; the native one is always included.</summary>
    public IReadOnlyList<SeccompArch>? Architectures { get; init; }

    public IReadOnlyList<SeccompFlag>? Flags { get; init; }

    /// <summary>Unix socket that receives the notify fd (with the state) when an action is SCMP_ACT_NOTIFY.</summary>
    public string? ListenerPath { get; init; }

    /// <summary>Opaque data passed to the listener.</summary>
    public string? ListenerMetadata { get; init; }

    public IReadOnlyList<LinuxSyscall>? Syscalls { get; init; }
}
