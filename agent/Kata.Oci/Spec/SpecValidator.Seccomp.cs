using Kata.Oci.Json;

namespace Kata.Oci.Spec;

public static partial class SpecValidator
{
    /// <summary>Syscalls take at most six arguments (seccomp_data.args[6]).</summary>
    private const int MaxSyscallArgs = 6;

    private static void ValidateSeccomp(LinuxSeccomp seccomp, string path, List<SpecProblem> problems)
    {
        var usesNotify = seccomp.DefaultAction == SeccompAction.Notify;
        if (seccomp.DefaultAction == SeccompAction.Notify)
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "defaultAction"), "SCMP_ACT_NOTIFY cannot be the default action"));
        }

        if (seccomp.DefaultErrnoRet is not null && !TakesErrno(seccomp.DefaultAction))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "defaultErrnoRet"),
                $"only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {SeccompActionConverter.Instance.ToSpecName(seccomp.DefaultAction)}"));
        }

        if (seccomp.Syscalls is not null)
        {
            var syscalls = SpecPath.Property(path, "syscalls");
            for (var i = 0; i < seccomp.Syscalls.Count; i++)
            {
                var rulePath = SpecPath.Index(syscalls, i);
                if (seccomp.Syscalls[i] is not { } rule)
                {
                    problems.Add(new SpecProblem(rulePath, "must not be null"));
                    continue;
                }

                usesNotify |= rule.Action == SeccompAction.Notify;
                ValidateSyscallRule(rule, rulePath, problems);
            }
        }

        // config-linux.md "Seccomp": SCMP_ACT_NOTIFY needs a listener to hand the notify fd to.
        if (usesNotify && string.IsNullOrEmpty(seccomp.ListenerPath))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "listenerPath"), "is required when an action is SCMP_ACT_NOTIFY"));
        }
        else if (seccomp.ListenerPath is { Length: > 0 } listener && !listener.StartsWith('/'))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "listenerPath"), $"must be an absolute path, got \"{listener}\""));
        }
    }

    private static void ValidateSyscallRule(LinuxSyscall rule, string path, List<SpecProblem> problems)
    {
        var names = SpecPath.Property(path, "names");
        if (rule.Names.Count == 0)
        {
            problems.Add(new SpecProblem(names, "must not be empty"));
        }

        for (var n = 0; n < rule.Names.Count; n++)
        {
            if (string.IsNullOrEmpty(rule.Names[n]))
            {
                problems.Add(new SpecProblem(SpecPath.Index(names, n), "must be a syscall name, got " + (rule.Names[n] is null ? "null" : "\"\"")));
            }
        }

        if (rule.ErrnoRet is not null && !TakesErrno(rule.Action))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "errnoRet"),
                $"only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {SeccompActionConverter.Instance.ToSpecName(rule.Action)}"));
        }

        if (rule.Args is null)
        {
            return;
        }

        var args = SpecPath.Property(path, "args");
        for (var a = 0; a < rule.Args.Count; a++)
        {
            if (rule.Args[a] is not { } arg)
            {
                problems.Add(new SpecProblem(SpecPath.Index(args, a), "must not be null"));
            }
            else if (arg.Index >= MaxSyscallArgs)
            {
                problems.Add(new SpecProblem(SpecPath.Property(SpecPath.Index(args, a), "index"),
                    Invariant($"must be less than {MaxSyscallArgs}, got {arg.Index}")));
            }
        }
    }

    private static bool TakesErrno(SeccompAction action) => action is SeccompAction.Errno or SeccompAction.Trace;
}
