using System.Runtime.InteropServices;
using Kata.Container.Interop;
using Kata.Container.Seccomp.Bpf;
using Kata.Container.Seccomp.Interop;

namespace Kata.Container.Seccomp;

/// <summary>
/// Installs a compiled filter on the calling thread with seccomp(SECCOMP_SET_MODE_FILTER) (seccomp(2)). The filter is
/// per thread (no SECCOMP_FILTER_FLAG_TSYNC), is inherited across fork/clone and execve, and cannot be removed: load
/// it last, on the thread that will execve the container process.
/// </summary>
public static class SeccompLoader
{
    /// <param name="program">The compiled filter.</param>
    /// <param name="setNoNewPrivileges">
    /// Set PR_SET_NO_NEW_PRIVS first (the spec's <c>process.noNewPrivileges</c>). Without it the kernel requires
    /// CAP_SYS_ADMIN in the caller's user namespace.
    /// </param>
    public static unsafe void Load(SeccompProgram program, bool setNoNewPrivileges)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new NotSupportedException(
                $"seccomp: filters are compiled for x86_64 only; this process runs on {RuntimeInformation.ProcessArchitecture}");
        }
        if (program.Instructions.Length is 0 or > BpfOpcodes.MaxInstructions)
        {
            throw new ArgumentException(
                $"seccomp: a filter needs 1..{BpfOpcodes.MaxInstructions} instructions, this one has {program.Instructions.Length}",
                nameof(program));
        }
        if (setNoNewPrivileges)
        {
            Errno.Check(Libc.Prctl(SeccompNative.PrSetNoNewPrivs, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");
        }
        fixed (BpfInstruction* instructions = program.Instructions)
        {
            var fprog = new SockFprog { Length = (ushort)program.Instructions.Length, Filter = instructions };
            if (SeccompNative.SetModeFilter(program.FilterFlags, &fprog) < 0)
            {
                var errno = Errno.Last;
                throw new SyscallException("seccomp(SECCOMP_SET_MODE_FILTER)", errno, errno == Errno.EACCES
                    ? "(neither no_new_privs is set nor does the caller have CAP_SYS_ADMIN)"
                    : $"({program.Instructions.Length} instructions, flags 0x{program.FilterFlags:x})");
            }
        }
    }
}
