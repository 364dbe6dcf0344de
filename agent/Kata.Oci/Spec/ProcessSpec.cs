using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>The container process (config.md "Process").</summary>
public sealed record ProcessSpec
{
    // A member left out of the JSON reaches the init accessor as null (the source generator passes defaults for
    // init-only members it did not read), so the accessor keeps the documented non-null default instead.
    private readonly ProcessUser _user = new();
    private readonly string _cwd = "";

    /// <summary>Attach a pseudo-terminal to the process's stdio.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Terminal { get; init; }

    /// <summary>Console size in characters, when <see cref="Terminal"/> is set.</summary>
    public ConsoleSize? ConsoleSize { get; init; }

    /// <summary>The user the process runs as (REQUIRED).</summary>
    public ProcessUser User { get => _user; init => _user = value ?? new(); }

    /// <summary>Executable and arguments, as for execvp(3); the first is looked up in the container's PATH.</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Windows-only full command line; kept so a config round-trips, ignored on Linux.</summary>
    public string? CommandLine { get; init; }

    /// <summary>Environment, <c>KEY=value</c> entries as for environ(7).</summary>
    public IReadOnlyList<string>? Env { get; init; }

    /// <summary>Working directory inside the container, absolute (REQUIRED).</summary>
    public string Cwd { get => _cwd; init => _cwd = value ?? ""; }

    /// <summary>The five capability sets (capabilities(7)).</summary>
    public LinuxCapabilities? Capabilities { get; init; }

    /// <summary>Resource limits (setrlimit(2)); each type at most once.</summary>
    public IReadOnlyList<PosixRlimit>? Rlimits { get; init; }

    /// <summary>Set PR_SET_NO_NEW_PRIVS before exec.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NoNewPrivileges { get; init; }

    /// <summary>AppArmor profile name.</summary>
    public string? ApparmorProfile { get; init; }

    /// <summary>Written to /proc/[pid]/oom_score_adj (-1000..1000).</summary>
    public int? OomScoreAdj { get; init; }

    /// <summary>Scheduling attributes (sched_setattr(2)).</summary>
    public Scheduler? Scheduler { get; init; }

    /// <summary>SELinux label for the process.</summary>
    public string? SelinuxLabel { get; init; }

    /// <summary>I/O priority (ioprio_set(2)).</summary>
    public IoPriority? IoPriority { get; init; }
}
