using Kata.Oci.Json;

namespace Kata.Oci.Spec;

public static partial class SpecValidator
{
    /// <summary>Checks a process (config.md "Process"); <paramref name="path"/> is where it sits ("process", or "" for a
    /// lone <c>process.json</c>).</summary>
    public static IReadOnlyList<SpecProblem> ValidateProcess(ProcessSpec process, string path)
    {
        var problems = new List<SpecProblem>();
        var args = SpecPath.Property(path, "args");
        if (process.Args is null || process.Args.Count == 0)
        {
            problems.Add(new SpecProblem(args, "must not be empty"));
        }
        else
        {
            ValidateStrings(process.Args, args, problems);
            if (process.Args[0] is { Length: 0 })
            {
                problems.Add(new SpecProblem(SpecPath.Index(args, 0), "must not be empty (it is the program to run)"));
            }
        }

        var cwd = SpecPath.Property(path, "cwd");
        if (process.Cwd.Length == 0)
        {
            problems.Add(new SpecProblem(cwd, "must not be empty"));
        }
        else if (!process.Cwd.StartsWith('/'))
        {
            problems.Add(new SpecProblem(cwd, $"must be an absolute path, got \"{process.Cwd}\""));
        }

        ValidateEnv(process.Env, SpecPath.Property(path, "env"), problems);

        var user = SpecPath.Property(path, "user");
        if (process.User.Umask is > 511)
        {
            problems.Add(new SpecProblem(SpecPath.Property(user, "umask"),
                Invariant($"must be at most 511 (0777 octal), got {process.User.Umask}")));
        }

        if (process.Capabilities is { } capabilities)
        {
            var caps = SpecPath.Property(path, "capabilities");
            ValidateCapabilitySet(capabilities.Bounding, SpecPath.Property(caps, "bounding"), problems);
            ValidateCapabilitySet(capabilities.Effective, SpecPath.Property(caps, "effective"), problems);
            ValidateCapabilitySet(capabilities.Inheritable, SpecPath.Property(caps, "inheritable"), problems);
            ValidateCapabilitySet(capabilities.Permitted, SpecPath.Property(caps, "permitted"), problems);
            ValidateCapabilitySet(capabilities.Ambient, SpecPath.Property(caps, "ambient"), problems);
        }

        if (process.Rlimits is not null)
        {
            ValidateRlimits(process.Rlimits, SpecPath.Property(path, "rlimits"), problems);
        }

        if (process.OomScoreAdj is < -1000 or > 1000)
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "oomScoreAdj"),
                Invariant($"must be between -1000 and 1000, got {process.OomScoreAdj}")));
        }

        if (process.IoPriority is { Priority: < 0 or > 7 } ioPriority)
        {
            problems.Add(new SpecProblem(SpecPath.Property(SpecPath.Property(path, "ioPriority"), "priority"),
                Invariant($"must be between 0 and 7, got {ioPriority.Priority}")));
        }

        if (process.Scheduler is { } scheduler)
        {
            ValidateScheduler(scheduler, SpecPath.Property(path, "scheduler"), problems);
        }

        return problems;
    }

    private static void ValidateCapabilitySet(IReadOnlyList<string>? names, string path, List<SpecProblem> problems)
    {
        if (names is null)
        {
            return;
        }

        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] is null)
            {
                problems.Add(new SpecProblem(SpecPath.Index(path, i), "must be a string, got null"));
            }
            else if (!KnownCapabilities.IsKnown(names[i]))
            {
                problems.Add(new SpecProblem(SpecPath.Index(path, i), $"unknown capability \"{names[i]}\""));
            }
        }
    }

    private static void ValidateRlimits(IReadOnlyList<PosixRlimit> rlimits, string path, List<SpecProblem> problems)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < rlimits.Count; i++)
        {
            var itemPath = SpecPath.Index(path, i);
            var rlimit = rlimits[i];
            if (rlimit is null)
            {
                problems.Add(new SpecProblem(itemPath, "must not be null"));
                continue;
            }

            var typePath = SpecPath.Property(itemPath, "type");
            if (rlimit.Type.Length == 0)
            {
                problems.Add(new SpecProblem(typePath, "must not be empty"));
            }
            else if (!KnownRlimits.IsKnown(rlimit.Type))
            {
                problems.Add(new SpecProblem(typePath, $"unknown rlimit type \"{rlimit.Type}\""));
            }
            else if (seen.TryGetValue(rlimit.Type, out var first))
            {
                // config.md: a runtime MUST generate an error for duplicate entries of the same type.
                problems.Add(new SpecProblem(typePath,
                    $"duplicate rlimit type \"{rlimit.Type}\" (also at {SpecPath.Index(path, first)})"));
            }
            else
            {
                seen.Add(rlimit.Type, i);
            }

            if (rlimit.Soft > rlimit.Hard)
            {
                problems.Add(new SpecProblem(itemPath,
                    Invariant($"soft limit {rlimit.Soft} is greater than hard limit {rlimit.Hard}")));
            }
        }
    }

    private static void ValidateScheduler(Scheduler scheduler, string path, List<SpecProblem> problems)
    {
        if (scheduler.Nice is < -20 or > 19)
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "nice"),
                Invariant($"must be between -20 and 19, got {scheduler.Nice}")));
        }

        // sched(7): real-time policies take a static priority 1..99, the others 0.
        var realTime = scheduler.Policy is SchedulerPolicy.Fifo or SchedulerPolicy.RoundRobin;
        if (realTime && scheduler.Priority is < 1 or > 99)
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "priority"),
                Invariant($"must be between 1 and 99 for {SchedulerPolicyConverter.Instance.ToSpecName(scheduler.Policy)}, got {scheduler.Priority}")));
        }
        else if (!realTime && scheduler.Priority != 0)
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "priority"),
                Invariant($"must be 0 for {SchedulerPolicyConverter.Instance.ToSpecName(scheduler.Policy)}, got {scheduler.Priority}")));
        }

        // sched_setattr(2): SCHED_DEADLINE needs 0 < runtime <= deadline <= period (period 0 means "same as deadline").
        if (scheduler.Policy == SchedulerPolicy.Deadline)
        {
            if (scheduler.Runtime == 0)
            {
                problems.Add(new SpecProblem(SpecPath.Property(path, "runtime"), "must be greater than zero for SCHED_DEADLINE"));
            }
            else if (scheduler.Runtime > scheduler.Deadline)
            {
                problems.Add(new SpecProblem(SpecPath.Property(path, "deadline"),
                    Invariant($"must be at least the runtime ({scheduler.Runtime}), got {scheduler.Deadline}")));
            }

            if (scheduler.Period != 0 && scheduler.Deadline > scheduler.Period)
            {
                problems.Add(new SpecProblem(SpecPath.Property(path, "period"),
                    Invariant($"must be at least the deadline ({scheduler.Deadline}), got {scheduler.Period}")));
            }
        }
    }
}
