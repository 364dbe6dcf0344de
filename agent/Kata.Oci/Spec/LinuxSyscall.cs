namespace Kata.Oci.Spec;

/// <summary>A seccomp rule: these syscalls, when the arguments match, get this action (config-linux.md "Seccomp").</summary>
public sealed record LinuxSyscall
{
    // A member left out of the JSON reaches the init accessor as null (the source generator passes defaults for
    // init-only members it did not read), so the accessor keeps the documented non-null default instead.
    private readonly IReadOnlyList<string> _names = [];

    /// <summary>Syscall names (REQUIRED, at least one).</summary>
    public IReadOnlyList<string> Names { get => _names; init => _names = value ?? []; }

    public required SeccompAction Action { get; init; }

    /// <summary>errno for <see cref="SeccompAction.Errno"/> (EPERM when absent).</summary>
    public uint? ErrnoRet { get; init; }

    /// <summary>Argument conditions; all must hold.</summary>
    public IReadOnlyList<LinuxSeccompArg>? Args { get; init; }
}
