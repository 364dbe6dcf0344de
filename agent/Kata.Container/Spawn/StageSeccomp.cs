using Kata.Container.Seccomp;
using Kata.Oci.Spec;
using Serilog.Core;

namespace Kata.Container.Spawn;

/// <summary>
/// When and how the stage loads linux.seccomp (compiled by <see cref="SeccompCompiler"/>, loaded by
/// <see cref="SeccompLoader"/> on the thread that execve()s). As runc: with no_new_privs the filter goes in last,
/// right before execve, so the stage's own set-up is not filtered; without it the kernel needs CAP_SYS_ADMIN, so the
/// filter goes in before the capabilities are dropped (and the remaining set-up calls must be allowed by it).
/// </summary>
internal sealed class StageSeccomp
{
    private readonly SeccompProgram? _program;
    private readonly bool _beforeIdentity;

    private StageSeccomp(SeccompProgram? program, bool beforeIdentity)
    {
        _program = program;
        _beforeIdentity = beforeIdentity;
    }

    /// <summary>Compiles the filter up front, so a bad profile fails create rather than start.</summary>
    public static StageSeccomp Prepare(RuntimeSpec spec, ProcessSpec process) =>
        spec.Linux?.Seccomp is { } seccomp
            ? new StageSeccomp(SeccompCompiler.Compile(seccomp, Logger.None), !process.NoNewPrivileges)
            : new StageSeccomp(null, false);

    /// <summary>Call before the uid and capability change.</summary>
    public void LoadIfPrivilegeNeeded()
    {
        if (_program is not null && _beforeIdentity)
        {
            SeccompLoader.Load(_program, setNoNewPrivileges: false);
        }
    }

    /// <summary>The action to run right before execve (after no_new_privs), or null.</summary>
    public Action? LastStep =>
        _program is not null && !_beforeIdentity ? () => SeccompLoader.Load(_program, setNoNewPrivileges: false) : null;
}
