using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.ProcessSetup;

/// <summary>
/// Applies process.user, rlimits, capabilities and cwd to the calling thread, in runc's order (finalizeNamespace):
/// rlimits while still privileged, bounding set while CAP_SETPCAP is held, then keep-caps across the uid change, then
/// cwd (checked as the target user), then the capability sets. glibc's setresuid/setresgid/setgroups change every
/// thread of the stage; capset and prctl are per thread, and this is the thread that execve()s.
/// </summary>
internal static unsafe class ProcessIdentity
{
    /// <summary>Checks what can be checked before anything changes (names, limits, cwd form).</summary>
    public static CapabilitySets Validate(ProcessSpec process)
    {
        if (process.Args is not { Count: > 0 })
        {
            throw new ContainerConfigException("process.args: must not be empty");
        }
        if (!process.Cwd.StartsWith('/'))
        {
            throw new ContainerConfigException($"process.cwd: '{process.Cwd}' must be an absolute path");
        }
        ResourceLimits.Validate(process.Rlimits);
        return CapabilitySets.From(process.Capabilities);
    }

    public static void Apply(ProcessSpec process, CapabilitySets capabilities)
    {
        ResourceLimits.Apply(process.Rlimits);
        capabilities.DropBounding();

        Errno.Check(Libc.Prctl(LinuxConstants.PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");
        var groups = (process.User.AdditionalGids ?? []).ToArray();
        fixed (uint* list = groups)
        {
            Errno.Check(Libc.Setgroups((nuint)groups.Length, list), "setgroups", string.Join(',', groups));
        }
        Errno.Check(Libc.Setresgid(process.User.Gid, process.User.Gid, process.User.Gid), "setresgid", process.User.Gid.ToString());
        Errno.Check(Libc.Setresuid(process.User.Uid, process.User.Uid, process.User.Uid), "setresuid", process.User.Uid.ToString());
        Errno.Check(Libc.Prctl(LinuxConstants.PR_SET_KEEPCAPS, 0, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");

        if (Libc.Chdir(process.Cwd) < 0)
        {
            throw new SyscallException("chdir (process.cwd)", Errno.Last, process.Cwd);
        }
        capabilities.Apply();
    }

    /// <summary>oom_score_adj of this process (inherited across execve).</summary>
    public static void ApplyOomScoreAdj(ProcessSpec process)
    {
        if (process.OomScoreAdj is { } score)
        {
            if (score is < -1000 or > 1000)
            {
                throw new ContainerConfigException($"process.oomScoreAdj: {score} is outside -1000..1000");
            }
            File.WriteAllText("/proc/self/oom_score_adj", score.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
